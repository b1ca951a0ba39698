import type { Api, ApiDeps } from '../context.js';
import { originOf, requireEnvironment, requireProject, triggeredBy } from '../context.js';
import { DEFAULT_ENVIRONMENT_SETTINGS, DomainError } from '../../domain/index.js';
import { validationFailed } from '../errors.js';
import { readServiceStatuses } from '../environment-status.js';
import { presentEnvironment, presentEnvironmentStatus } from '../present.js';
import { ActionAccepted, IdParams, errorResponses } from '../schemas/common.js';
import { EnvironmentStatusView, EnvironmentView, ListOf } from '../schemas/views.js';
import { CreateEnvironmentBody, PatchEnvironmentBody } from '../schemas/project.js';
import { DeleteQuery } from '../schemas/service.js';

export function environmentRoutes(app: Api, { store, controlPlane }: ApiDeps): void {
  app.post(
    '/projects/:id/environments',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['environments'],
        summary: 'Create an environment in a project',
        params: IdParams,
        body: CreateEnvironmentBody,
        response: { 201: EnvironmentView, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const project = await requireProject(store, request.params.id);
      const { name, runtime, settings } = request.body;
      if (settings?.kubeconfig !== undefined) {
        if ((runtime ?? 'docker') !== 'kubernetes') {
          throw validationFailed([{ field: 'body/settings/kubeconfig', message: 'only a kubernetes environment has a kubeconfig' }]);
        }
        // Loaded only here: the Kubernetes client is not loaded by servers that never see one.
        const { kubeconfigProblem } = await import('../../runtime/kubernetes/kubeconfig-text.js');
        const problem = await kubeconfigProblem(settings.kubeconfig);
        if (problem) throw validationFailed([{ field: 'body/settings/kubeconfig', message: problem }]);
      }
      if ((await store.listEnvironments(project.id)).some((e) => e.name === name)) {
        throw new DomainError('CONFLICT', `the project already has an environment named ${name}`);
      }
      const env = await store.createEnvironment({
        projectId: project.id,
        name,
        runtime: runtime ?? 'docker',
        settings: { ...DEFAULT_ENVIRONMENT_SETTINGS, ...settings },
      });
      return reply.code(201).send(presentEnvironment(env, [], controlPlane));
    },
  );

  app.get(
    '/projects/:id/environments',
    {
      config: { access: 'viewer' },
      schema: { tags: ['environments'], summary: 'Environments of a project', params: IdParams, response: { 200: ListOf(EnvironmentView), ...errorResponses() } },
    },
    async (request) => {
      const project = await requireProject(store, request.params.id);
      const envs = await store.listEnvironments(project.id);
      const items = await Promise.all(envs.map(async (e) => presentEnvironment(e, await store.listServiceStates(e.id), controlPlane)));
      return { items };
    },
  );

  app.get(
    '/environments/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['environments'],
        summary: 'One environment, with its deployment status (state) and running status (runningState)',
        params: IdParams,
        response: { 200: EnvironmentView, ...errorResponses() },
      },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      return presentEnvironment(env, await store.listServiceStates(env.id), controlPlane);
    },
  );

  app.patch(
    '/environments/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['environments'],
        summary: 'Rename an environment or change its settings (merged over the current ones); the runtime cannot change',
        params: IdParams,
        body: PatchEnvironmentBody,
        response: { 200: EnvironmentView, ...errorResponses(409) },
      },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      const { name, runtime, settings } = request.body;
      if (runtime !== undefined && runtime !== env.runtime) {
        throw validationFailed([{ field: 'body/runtime', message: `cannot change: the environment runs on ${env.runtime} since its creation` }]);
      }
      // The store refuses a name another environment of the project holds (CONFLICT).
      const updated = await store.updateEnvironment(env.id, { ...(name !== undefined ? { name } : {}), ...(settings !== undefined ? { settings } : {}) });
      return presentEnvironment(updated, await store.listServiceStates(updated.id), controlPlane);
    },
  );

  app.get(
    '/environments/:id/status',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['environments'],
        summary: 'The environment and its services, statuses only',
        params: IdParams,
        response: { 200: EnvironmentStatusView, ...errorResponses() },
      },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      return presentEnvironmentStatus(env, await readServiceStatuses(store, env), controlPlane);
    },
  );

  app.delete(
    '/environments/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['environments', 'actions'],
        summary: 'Delete the environment (the Delete action; keepData=true keeps the volumes)',
        params: IdParams,
        querystring: DeleteQuery,
        response: { 202: ActionAccepted, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const env = await requireEnvironment(store, request.params.id);
      const result = await controlPlane.submit({
        environmentId: env.id,
        action: 'DELETE',
        keepData: request.query.keepData ?? false,
        origin: originOf(request),
        triggeredBy: triggeredBy(request),
        queue: request.query.queue ?? true,
      });
      return reply.code(202).send(result);
    },
  );
}
