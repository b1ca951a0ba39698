import { Type } from '@sinclair/typebox';
import type { Api, ApiDeps } from '../context.js';
import { EventStream, Id, Obj, errorResponses } from '../schemas/common.js';
import { EventFanout, audienceOf } from '../event-fanout.js';
import { openEventStream } from '../sse.js';

const HEARTBEAT_MS = 15_000;

export function eventRoutes(app: Api, { controlPlane }: ApiDeps): void {
  const fanout = new EventFanout(controlPlane.events);
  app.addHook('onClose', async () => fanout.close());
  app.get(
    '/events',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['events'],
        summary: 'Server-sent events: every status change (event: <type>, data: <json>); a comment heartbeat every 15 s',
        description:
          'Types: service.status, service.running, environment.status, deployment.status, deployment.log, and queue.changed ' +
          '{ projectId, environmentId, deploymentId, change: queued | merged | removed } when a request joins the queue, merges into a waiting one or is removed from it, ' +
          'and job.run { projectId, environmentId, serviceId, runId, status: RUNNING | SUCCEEDED | FAILED } when a scheduled cron run starts or ends.',
        querystring: Obj({ projectId: Type.Optional(Id), environmentId: Type.Optional(Id) }),
        response: { 200: { description: 'the stream, open until the client leaves', content: { 'text/event-stream': { schema: EventStream } } }, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const stream = openEventStream(request, reply);
      fanout.add(stream, audienceOf(request.token, request.query));
      const heartbeat = setInterval(() => stream.comment('heartbeat'), HEARTBEAT_MS);
      heartbeat.unref();
      stream.onClose(() => clearInterval(heartbeat));
      return reply;
    },
  );
}
