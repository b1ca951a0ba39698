import { DEFAULT_STAGES, DomainError, type Stage } from '../../domain/index.js';
import type { Store } from '../../store/store.js';
import type { Api, ApiDeps } from '../context.js';
import { requireEnvironment } from '../context.js';
import { notFound } from '../errors.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { CreateStageBody, PatchStageBody, StageList, StageView } from '../schemas/stage.js';

/**
 * User-defined stages of an environment (docs/queue-and-cancel.md#stages): listed with the default
 * ones in the order they run; created, renamed, reordered (by `order`) and deleted. A service moves
 * to a stage with `PATCH /services/{id}` `{ stageId }` (null: back to its type's default stage).
 */

function present(stage: Stage, builtIn: boolean) {
  return { id: stage.id, name: stage.name, order: stage.order, builtIn };
}

async function allStages(store: Store, environmentId: string) {
  const custom = await store.listStages(environmentId);
  return [...DEFAULT_STAGES.map((s) => present(s, true)), ...custom.map((s) => present(s, false))].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

async function assertNameFree(store: Store, environmentId: string, name: string, exceptId?: string): Promise<void> {
  const taken = (await allStages(store, environmentId)).some((s) => s.id !== exceptId && s.name.toLowerCase() === name.toLowerCase());
  if (taken) throw new DomainError('CONFLICT', `the environment already has a stage named ${name}`);
}

export function stageRoutes(app: Api, { store }: ApiDeps): void {
  app.get(
    '/environments/:id/stages',
    {
      config: { access: 'viewer' },
      schema: { tags: ['stages'], summary: 'The stages of the environment in the order they run (default and user-defined)', params: IdParams, response: { 200: StageList, ...errorResponses() } },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      return { items: await allStages(store, env.id) };
    },
  );

  app.post(
    '/environments/:id/stages',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['stages'],
        summary: 'Create a stage; without order it runs after every other stage',
        params: IdParams,
        body: CreateStageBody,
        response: { 201: StageView, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const env = await requireEnvironment(store, request.params.id);
      await assertNameFree(store, env.id, request.body.name);
      const last = Math.max(...(await allStages(store, env.id)).map((s) => s.order));
      const stage = await store.createStage({ environmentId: env.id, name: request.body.name, order: request.body.order ?? last + 100 });
      return reply.code(201).send(present(stage, false));
    },
  );

  app.patch(
    '/stages/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['stages'], summary: 'Rename or reorder a user-defined stage', params: IdParams, body: PatchStageBody, response: { 200: StageView, ...errorResponses(409) } },
    },
    async (request) => {
      const stage = await store.getStage(request.params.id);
      if (!stage) throw notFound('stage');
      if (request.body.name !== undefined) await assertNameFree(store, stage.environmentId, request.body.name, stage.id);
      await store.updateStage(stage.id, request.body);
      const updated = (await store.getStage(stage.id))!;
      return present(updated, false);
    },
  );

  app.delete(
    '/stages/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['stages'], summary: 'Delete a user-defined stage; its services go back to their default stage', params: IdParams, response: { 204: { type: 'null' }, ...errorResponses() } },
    },
    async (request, reply) => {
      const stage = await store.getStage(request.params.id);
      if (!stage) throw notFound('stage');
      await store.deleteStage(stage.id);
      return reply.code(204).send();
    },
  );
}
