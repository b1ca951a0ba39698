import type { Api, ApiDeps } from '../context.js';
import { requireDeployment, requireEnvironment, requireService } from '../context.js';
import type { Store } from '../../store/store.js';
import { notFound } from '../errors.js';
import { presentDeploymentDetail, presentLogLine } from '../present.js';
import { presentNamedDeployments, serviceNamesOf } from '../deployment-services.js';
import { EventStream, IdParams, PageQuery, errorResponses } from '../schemas/common.js';
import { DeploymentDetailView, DeploymentView, ListOf, LogLineView } from '../schemas/views.js';
import { LogsQuery } from '../schemas/deployment.js';
import { openEventStream } from '../sse.js';

/** A follower also polls, so lines written by another Slipway process (shared PostgreSQL) arrive too. */
const FOLLOW_POLL_MS = 2000;
const FOLLOW_BATCH = 500;

async function page(store: Store, filter: { environmentId?: string; serviceId?: string }, query: { limit?: number; cursor?: string }) {
  const result = await store.listDeployments(filter, { limit: query.limit ?? 20, ...(query.cursor ? { cursor: query.cursor } : {}) });
  return { items: await presentNamedDeployments(store, result.items), ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}) };
}

export function deploymentRoutes(app: Api, { store, controlPlane }: ApiDeps): void {
  app.get(
    '/environments/:id/deployments',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['deployments'],
        summary: 'Deployments of the environment, newest first; pass nextCursor back as cursor for the next page',
        params: IdParams,
        querystring: PageQuery,
        response: { 200: ListOf(DeploymentView), ...errorResponses() },
      },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      return page(store, { environmentId: env.id }, request.query);
    },
  );

  app.get(
    '/services/:id/deployments',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['deployments'],
        summary: 'Deployments that touched the service, newest first',
        params: IdParams,
        querystring: PageQuery,
        response: { 200: ListOf(DeploymentView), ...errorResponses() },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      return page(store, { serviceId: service.id }, request.query);
    },
  );

  app.get(
    '/deployments/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['deployments'],
        summary: 'One deployment with its stages, services and steps',
        params: IdParams,
        response: { 200: DeploymentDetailView, ...errorResponses() },
      },
    },
    async (request) => {
      const detail = await store.getDeploymentDetail(request.params.id);
      if (!detail) throw notFound('deployment');
      return { ...presentDeploymentDetail(detail), services: (await serviceNamesOf(store, [detail])).get(detail.id) ?? [] };
    },
  );

  app.get(
    '/deployments/:id/logs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['deployments'],
        summary:
          'Log lines of a deployment ({ items }); follow=true streams them as server-sent events (`log`, id = seq), ending with `end` once the deployment is finished',
        params: IdParams,
        querystring: LogsQuery,
        response: {
          200: {
            description: '{ items } as JSON; with follow=true, a server-sent event stream',
            content: { 'application/json': { schema: ListOf(LogLineView) }, 'text/event-stream': { schema: EventStream } },
          },
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const deployment = await requireDeployment(store, request.params.id);
      const { after, limit, follow } = request.query;
      if (!follow) {
        const lines = await store.readLogs(deployment.id, after, limit ?? 1000);
        return { items: lines.map(presentLogLine) };
      }

      // Resuming: an EventSource sends back the id of the last event it saw.
      const lastEventId = Number(request.headers['last-event-id']);
      let lastSeq: number | undefined = Number.isInteger(lastEventId) && lastEventId >= 0 ? lastEventId : after;
      const stream = openEventStream(request, reply);
      let busy = false;
      let again = false;

      // One pump at a time; a wake-up during a pump makes it go round once more.
      const pump = async (): Promise<void> => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            // Status first: lines written before the deployment ended are then all read below.
            const current = await store.getDeployment(deployment.id);
            const finished = !current || (current.status !== 'QUEUED' && current.status !== 'RUNNING');
            for (;;) {
              const lines = await store.readLogs(deployment.id, lastSeq, FOLLOW_BATCH);
              if (stream.closed) return;
              for (const line of lines) stream.send('log', presentLogLine(line), line.seq);
              if (lines.length > 0) lastSeq = lines[lines.length - 1]!.seq;
              if (lines.length < FOLLOW_BATCH) break;
              // A long backlog is read no faster than the client takes it: memory stays bounded.
              await stream.drained();
            }
            if (finished) {
              stream.send('end', { status: current?.status ?? null, message: current?.message ?? null });
              stream.close();
              return;
            }
          } while (again && !stream.closed);
        } catch (err) {
          request.log.error({ err }, 'log follow failed');
          stream.send('error', { code: 'INTERNAL', message: 'internal error' });
          stream.close();
        } finally {
          busy = false;
        }
      };

      const unsubscribe = controlPlane.events.subscribe((event) => {
        if ((event.type === 'deployment.log' || event.type === 'deployment.status') && event.deploymentId === deployment.id) {
          void pump();
        }
      });
      const poll = setInterval(() => void pump(), FOLLOW_POLL_MS);
      poll.unref();
      stream.onClose(() => {
        unsubscribe();
        clearInterval(poll);
      });
      await pump();
      return reply;
    },
  );
}
