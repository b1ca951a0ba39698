import { Type } from '@sinclair/typebox';
import { Name, Obj, UUID } from './common.js';

export const CreateProjectBody = Obj({ name: Name });

export const PatchProjectBody = Obj({ name: Name });

export const EnvironmentSettingsInput = Obj({
  maxParallelBuilds: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
  maxParallelDeploys: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
});

/** Given at creation only (fixed for the environment's life, like its runtime). */
const Kubeconfig = Type.String({
  minLength: 1,
  maxLength: 262_144,
  description:
    'kubernetes environments only: this environment\'s cluster credentials (a kubeconfig with a current-context and inline credentials) instead of the server\'s; a secret, masked as "********" in responses',
});

/** The runtimes an environment can use. */
export const RuntimeKindSchema = Type.Union([Type.Literal('docker'), Type.Literal('kubernetes')]);

/** The roles of API tokens, from the least to the most allowed. */
export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('deployer'), Type.Literal('admin')]);

export const CreateEnvironmentBody = Obj({
  name: Name,
  runtime: Type.Optional(Type.Union(RuntimeKindSchema.anyOf, { default: 'docker' })),
  settings: Type.Optional(Obj({ ...EnvironmentSettingsInput.properties, kubeconfig: Type.Optional(Kubeconfig) })),
});

/** Settings given are merged over the current ones. */
export const PatchEnvironmentBody = Obj({
  name: Type.Optional(Name),
  runtime: Type.Optional(Type.Union(RuntimeKindSchema.anyOf, { description: 'fixed at creation: only the current value is accepted' })),
  settings: Type.Optional(EnvironmentSettingsInput),
});

export const CreateTokenBody = Obj({
  name: Name,
  role: Type.Union([Type.Literal('admin'), Type.Literal('deployer'), Type.Literal('viewer')]),
  projects: Type.Optional(
    Type.Array(Type.String({ pattern: UUID }), {
      minItems: 1,
      maxItems: 1000,
      uniqueItems: true,
      description: 'the ids of the projects the token is limited to; left out, it reaches every project',
    }),
  ),
});
