import type { Api, ApiDeps } from '../context.js';
import { originOf, triggeredBy } from '../context.js';
import { ActionAccepted, IdParams, QueueQuery, errorResponses } from '../schemas/common.js';
import { RollbackPreview } from '../schemas/rollback.js';

/** Rollback to a past successful deployment (docs/api.md#rollback). */
export function rollbackRoutes(app: Api, { controlPlane }: ApiDeps): void {
  app.get(
    '/deployments/:id/rollback',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['deployments'],
        summary: 'What a rollback to this deployment would change: each service\'s version and settings fields; 409 when it cannot be rolled back to',
        params: IdParams,
        response: { 200: RollbackPreview, ...errorResponses(409) },
      },
    },
    async (request) => controlPlane.rollbackPlan(request.params.id),
  );

  app.post(
    '/deployments/:id/rollback',
    {
      config: { access: 'deployer' },
      schema: {
        tags: ['deployments'],
        summary:
          'Roll back to this deployment: each service it deployed gets that version (pinned) and those settings back and is deployed, queued like any action; services deleted since are skipped. 409 for a deployment that did not end SUCCESS or whose services are all gone',
        params: IdParams,
        querystring: QueueQuery,
        response: { 202: ActionAccepted, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const plan = await controlPlane.rollbackPlan(request.params.id);
      const result = await controlPlane.submit({
        environmentId: plan.environmentId,
        action: 'DEPLOY_VERSION',
        serviceIds: plan.changes.map((c) => c.serviceId),
        versions: Object.fromEntries(plan.changes.map((c) => [c.serviceId, c.toVersion])),
        rollbackOf: plan.deploymentId,
        origin: originOf(request),
        triggeredBy: triggeredBy(request),
        queue: request.query.queue ?? true,
      });
      return reply.code(202).send(result);
    },
  );
}
