import type { Api, ApiDeps } from '../context.js';
import { requireDeployment, requireEnvironment } from '../context.js';
import { DomainError } from '../../domain/index.js';
import { presentNamedDeployments } from '../deployment-services.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { QueueView } from '../schemas/views.js';

export function queueRoutes(app: Api, { store, controlPlane }: ApiDeps): void {
  app.get(
    '/environments/:id/queue',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['queue'],
        summary: 'The running request (if any) and the waiting ones, in order',
        params: IdParams,
        response: { 200: QueueView, ...errorResponses() },
      },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      const [running, waiting] = await Promise.all([store.getRunning(env.id), store.listWaiting(env.id)]);
      const views = await presentNamedDeployments(store, running ? [running, ...waiting] : waiting);
      const items = running ? views.slice(1) : views;
      return {
        running: running ? (views[0] ?? null) : null,
        items: items.map((d, i) => ({ ...d, position: i + 1 })),
      };
    },
  );

  app.delete(
    '/deployment-requests/:id',
    {
      config: { access: 'deployer' },
      schema: {
        tags: ['queue'],
        summary: 'Remove a waiting request (it ends CANCELED); 409 once it has started or ended',
        params: IdParams,
        response: { 204: { type: 'null', description: 'removed' }, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const deployment = await requireDeployment(store, request.params.id);
      if (!(await store.removeWaiting(deployment.id))) {
        throw new DomainError('CONFLICT', 'the request is no longer waiting', { status: (await store.getDeployment(deployment.id))?.status });
      }
      const environment = await store.getEnvironment(deployment.environmentId);
      if (environment) {
        controlPlane.events.publish({ type: 'queue.changed', projectId: environment.projectId, environmentId: environment.id, deploymentId: deployment.id, change: 'removed' });
      }
      return reply.code(204).send();
    },
  );
}
