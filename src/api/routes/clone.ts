import type { Api, ApiDeps } from '../context.js';
import { requireEnvironment } from '../context.js';
import { cloneEnvironment } from '../environment-clone.js';
import { serviceInputOptions } from '../service-input.js';
import { presentEnvironment } from '../present.js';
import { IdParams, Name, Obj, errorResponses } from '../schemas/common.js';
import { RuntimeKindSchema } from '../schemas/project.js';
import { EnvironmentView } from '../schemas/views.js';
import { Type } from '@sinclair/typebox';

export const CloneEnvironmentBody = Obj({
  name: Name,
  runtime: Type.Optional(Type.Union(RuntimeKindSchema.anyOf, { description: "the clone's runtime; the source's when left out" })),
});

/** `POST /environments/{id}/clone` (docs/teams.md#clone). */
export function cloneRoutes(app: Api, deps: ApiDeps): void {
  const { store, controlPlane } = deps;
  app.post(
    '/environments/:id/clone',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['environments'],
        summary:
          'Copy the environment into a new one of the same project: services (sources, settings, secrets), stages, variables; all READY, nothing deployed. ' +
          'On another runtime, refused (400, naming each service) when a service could not run there',
        params: IdParams,
        body: CloneEnvironmentBody,
        response: { 201: EnvironmentView, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const source = await requireEnvironment(store, request.params.id);
      const clone = await cloneEnvironment(
        store,
        source,
        { name: request.body.name, ...(request.body.runtime ? { runtime: request.body.runtime } : {}) },
        serviceInputOptions(deps),
      );
      return reply.code(201).send(presentEnvironment(clone, await store.listServiceStates(clone.id), controlPlane));
    },
  );
}
