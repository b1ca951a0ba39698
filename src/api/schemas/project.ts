import { Type } from '@sinclair/typebox';
import { Name, Obj } from './common.js';

export const CreateProjectBody = Obj({ name: Name });

export const CreateEnvironmentBody = Obj({
  name: Name,
  runtime: Type.Optional(Type.Union([Type.Literal('docker'), Type.Literal('kubernetes')], { default: 'docker' })),
  settings: Type.Optional(
    Obj({
      maxParallelBuilds: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
      maxParallelDeploys: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    }),
  ),
});

export const CreateTokenBody = Obj({
  name: Name,
  role: Type.Union([Type.Literal('admin'), Type.Literal('deployer'), Type.Literal('viewer')]),
});
