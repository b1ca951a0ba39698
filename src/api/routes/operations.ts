import { Type } from '@sinclair/typebox';
import type { Registry } from 'prom-client';
import type { Api, ApiDeps } from '../context.js';
import { ErrorResponse, errorResponses } from '../schemas/common.js';

const Health = Type.Object({ status: Type.String() });

/** Health probes (no token: load balancers and orchestrators call them) and metrics. */
export function healthRoutes(app: Api, { store, dependencies }: ApiDeps): void {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'The process is alive', security: [], response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'The process can serve: its database answers, and so does the Docker Engine',
        description:
          'A 503 names what does not answer and how to fix it (error.details: [{ name, address, message }]). ' +
          'The API keeps serving meanwhile: kubernetes environments work without Docker.',
        security: [],
        response: { 200: Health, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      try {
        await store.countTokens();
      } catch (err) {
        request.log.error({ err }, 'readiness check failed');
        return reply.code(503).send({ error: { code: 'INTERNAL', message: 'the database does not answer' } });
      }
      const unavailable = (dependencies?.() ?? []).filter((d) => !d.available);
      if (unavailable.length > 0) {
        return reply.code(503).send({
          error: {
            code: 'UPSTREAM_UNAVAILABLE',
            message: unavailable.map((d) => d.message ?? `${d.name} is unavailable at ${d.address}`).join('; '),
            details: unavailable.map(({ name, address, message }) => ({ name, address, message })),
          },
        });
      }
      return { status: 'ready' };
    },
  );
}

export function metricsRoute(app: Api, registry: Registry): void {
  app.get(
    '/metrics',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } }, ...errorResponses() },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
