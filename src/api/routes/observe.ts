import { parseSince } from '../../domain/index.js';
import type { Api, ApiDeps } from '../context.js';
import { requireService } from '../context.js';
import { validationFailed } from '../errors.js';
import { streamNdjson } from '../ndjson.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { InstanceList, MetricsQuery, MetricsView, RuntimeLogLine, RuntimeLogsQuery } from '../schemas/observe.js';

/** What a service's instances are doing (docs/api.md#running-services): instances, runtime logs, metrics. */
export function observeRoutes(app: Api, { store, controlPlane }: ApiDeps): void {
  app.get(
    '/services/:id/instances',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['services'],
        summary: 'The service\'s instances now (runs of a job going on too): version, readiness, state, restarts, last exit, node, CPU and memory',
        params: IdParams,
        response: { 200: InstanceList, ...errorResponses(502) },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      return controlPlane.instances(service.id);
    },
  );

  app.get(
    '/services/:id/logs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['services'],
        summary: 'What the service\'s instances print, merged by time, secret values redacted: NDJSON, one line each; follow=true keeps it open',
        params: IdParams,
        querystring: RuntimeLogsQuery,
        response: {
          200: { description: 'NDJSON: one RuntimeLogLine a line', content: { 'application/x-ndjson': { schema: RuntimeLogLine } } },
          ...errorResponses(502),
        },
      },
    },
    async (request, reply) => {
      const service = await requireService(store, request.params.id);
      const { tail, since, instance, follow } = request.query;
      const sinceTime = since === undefined ? undefined : parseSince(since, new Date());
      if (sinceTime === null) throw validationFailed([{ field: 'querystring/since', message: 'must be an ISO-8601 time or a duration such as 30s, 15m, 2h, 1d' }]);
      const controller = new AbortController();
      // Resolved before the answer starts: an unknown service or a runtime away is a plain error answer.
      const lines = await controlPlane.logs(service.id, {
        follow: follow ?? false,
        signal: controller.signal,
        ...(tail !== undefined ? { tail } : {}),
        ...(sinceTime ? { since: sinceTime.toISOString() } : {}),
        ...(instance !== undefined ? { instance } : {}),
      });
      await streamNdjson(request, reply, lines, controller);
      return reply;
    },
  );

  app.get(
    '/services/:id/metrics',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['services'],
        summary: 'CPU and memory of the service over a window, as Slipway sampled them (kept 24 h)',
        params: IdParams,
        querystring: MetricsQuery,
        response: { 200: MetricsView, ...errorResponses() },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      const from = parseSince(request.query.window ?? '1h', new Date());
      if (!from) throw validationFailed([{ field: 'querystring/window', message: 'must be a duration such as 30m, 1h, 24h' }]);
      return controlPlane.metrics(service.id, from.toISOString());
    },
  );
}
