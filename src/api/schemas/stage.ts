import { Type } from '@sinclair/typebox';
import { Obj } from './common.js';

export const StageName = Type.String({ minLength: 1, maxLength: 63, pattern: '^\\S(.*\\S)?$', description: 'shown in deployments' });
export const StageOrder = Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, description: 'stages run in ascending order (Stop and Delete: descending); the default stages are 100..500' });

export const StageView = Obj(
  {
    id: Type.String({ description: 'a UUID, or the id of a default stage (databases, lifecycle-jobs, cron-jobs, containers, applications)' }),
    name: Type.String(),
    order: Type.Integer(),
    builtIn: Type.Boolean({ description: 'a default stage (cannot be changed)' }),
  },
  { $id: 'Stage' },
);

export const StageList = Obj({ items: Type.Array(StageView) });

export const CreateStageBody = Obj({
  name: StageName,
  order: Type.Optional(StageOrder),
});

export const PatchStageBody = Obj({
  name: Type.Optional(StageName),
  order: Type.Optional(StageOrder),
});
