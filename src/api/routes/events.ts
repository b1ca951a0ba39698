import { Type } from '@sinclair/typebox';
import type { Api, ApiDeps } from '../context.js';
import { EventStream, Id, Obj, errorResponses } from '../schemas/common.js';
import { reaches } from '../project-access.js';
import { openEventStream } from '../sse.js';

const HEARTBEAT_MS = 15_000;

export function eventRoutes(app: Api, { controlPlane }: ApiDeps): void {
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
      const { projectId, environmentId } = request.query;
      const token = request.token;
      const stream = openEventStream(request, reply);
      const unsubscribe = controlPlane.events.subscribe((event) => {
        // A token limited to projects never hears of the others (docs/teams.md#project-limited-tokens).
        if (!reaches(token, event.projectId)) return;
        if (projectId && event.projectId !== projectId) return;
        if (environmentId && event.environmentId !== environmentId) return;
        stream.send(event.type, event);
      });
      const heartbeat = setInterval(() => stream.comment('heartbeat'), HEARTBEAT_MS);
      heartbeat.unref();
      stream.onClose(() => {
        unsubscribe();
        clearInterval(heartbeat);
      });
      return reply;
    },
  );
}
