import { assertDomainsFree } from '../domain-claims.js';
import { Type } from '@sinclair/typebox';
import type { Api, ApiDeps } from '../context.js';
import { originOf, requireEnvironment, requireService, triggeredBy } from '../context.js';
import { DomainError, codeSource, isGitSource, type Service } from '../../domain/index.js';
import { validationFailed } from '../errors.js';
import { presentService } from '../present.js';
import { ActionAccepted, IdParams, Obj, errorResponses } from '../schemas/common.js';
import { ListOf, ServiceView, VersionsView } from '../schemas/views.js';
import { CreateServiceBody, DeleteQuery, PatchServiceBody } from '../schemas/service.js';
import { newServiceFromBody, serviceInputOptions, servicePatchFromBody } from '../service-input.js';

export function serviceRoutes(app: Api, deps: ApiDeps): void {
  const { store, controlPlane } = deps;
  const variablesOf = async (service: Service) => store.scopedVariables(await requireEnvironment(store, service.environmentId));

  app.post(
    '/environments/:id/services',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['services'],
        summary: 'Create a service; its type decides its source (application: git, container: image, database, job)',
        params: IdParams,
        body: CreateServiceBody,
        response: { 201: ServiceView, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const env = await requireEnvironment(store, request.params.id);
      const input = newServiceFromBody(env, request.body, serviceInputOptions(deps));
      if ((await store.listServices(env.id)).some((s) => s.name === input.name && s.status !== 'DELETED')) {
        throw new DomainError('CONFLICT', `the environment already has a service named ${input.name}`);
      }
      await assertDomainsFree(store, null, input.settings.domains ?? []);
      const service = await store.createService(input);
      return reply.code(201).send(await presentService(service, controlPlane, await store.scopedVariables(env)));
    },
  );

  app.get(
    '/environments/:id/services',
    {
      config: { access: 'viewer' },
      schema: { tags: ['services'], summary: 'Services of an environment', params: IdParams, response: { 200: ListOf(ServiceView), ...errorResponses() } },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      const services = await store.listServices(env.id);
      const variables = await store.scopedVariables(env);
      return { items: await Promise.all(services.map((s) => presentService(s, controlPlane, variables))) };
    },
  );

  app.get(
    '/services/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['services'],
        summary: 'One service: settings, state, runningState, deployedVersion, targetVersion, pendingChanges, pendingFields, endpoints',
        params: IdParams,
        response: { 200: ServiceView, ...errorResponses() },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      return presentService(service, controlPlane, await variablesOf(service));
    },
  );

  app.patch(
    '/services/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['services'],
        summary: 'Change a service (takes effect at its next deployment); a secret sent back as "********" keeps its value',
        params: IdParams,
        body: PatchServiceBody,
        response: { 200: ServiceView, ...errorResponses(409) },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      const patch = servicePatchFromBody(service, request.body, (await requireEnvironment(store, service.environmentId)).runtime, serviceInputOptions(deps));
      if (patch.name !== undefined && patch.name !== service.name) {
        const siblings = await store.listServices(service.environmentId);
        if (siblings.some((s) => s.id !== service.id && s.name === patch.name && s.status !== 'DELETED')) {
          throw new DomainError('CONFLICT', `the environment already has a service named ${patch.name}`);
        }
      }
      if (patch.settings?.domains) await assertDomainsFree(store, service.id, patch.settings.domains);
      if (patch.stageId) {
        const stages = await store.listStages(service.environmentId);
        if (!stages.some((s) => s.id === patch.stageId)) {
          throw validationFailed([{ field: 'body/stageId', message: 'no such stage in the environment' }]);
        }
      }
      return presentService(await store.updateService(service.id, patch), controlPlane, await variablesOf(service));
    },
  );

  app.delete(
    '/services/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['services', 'actions'],
        summary: 'Delete the service (the Delete action; keepData=true keeps its volumes)',
        params: IdParams,
        querystring: DeleteQuery,
        response: { 202: ActionAccepted, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const service = await requireService(store, request.params.id);
      const result = await controlPlane.submit({
        environmentId: service.environmentId,
        action: 'DELETE',
        serviceId: service.id,
        keepData: request.query.keepData ?? false,
        origin: originOf(request),
        triggeredBy: triggeredBy(request),
        queue: request.query.queue ?? true,
      });
      return reply.code(202).send(result);
    },
  );

  app.get(
    '/services/:id/versions',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['services'],
        summary: 'Versions to deploy: recent commits of the branch (git) or the registry tags (image)',
        params: IdParams,
        querystring: Obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })) }),
        response: { 200: VersionsView, ...errorResponses() },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      const limit = request.query.limit ?? 30;
      const source = codeSource(service) ?? ('image' in service.source && service.source.image ? { image: service.source.image } : null);
      if (!source) return { items: [] };
      if (isGitSource(source)) {
        if (!deps.git) return { items: [] };
        return { items: await deps.git.listCommits(source.git, limit) };
      }
      const tags = await deps.listImageTags(source.image.name);
      // Registries list tags in no meaningful order, so all of them are returned (limit is for commits).
      return { items: tags.map((tag) => ({ tag })) };
    },
  );
}
