import { Type } from '@sinclair/typebox';
import { Id, Obj } from './common.js';

export const CancelBody = Obj({
  force: Type.Optional(Type.Boolean({ default: false, description: 'kill a running lifecycle job instead of waiting for it' })),
});

export const DeployLatestBody = Obj({
  serviceIds: Type.Array(Id, { minItems: 1, maxItems: 500, uniqueItems: true }),
});
