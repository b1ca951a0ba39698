/**
 * The floor of the status API benchmark on this machine: a bare Fastify server that answers
 * every GET /api/v1/environments/{id}/status with the same bytes Slipway answered (read once
 * from the file named by FLOOR_BODY_FILE). No token, no store, no log line. The API benchmark
 * runs it as its own process under the same load as Slipway, so what lies between the two is
 * Slipway's own cost, and what the floor itself reaches is what the machine and the load
 * generator allow.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.env.FLOOR_BODY_FILE!, 'utf8');
const app = Fastify({ logger: false });
app.get('/api/v1/environments/:id/status', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
app.get('/api/v1/healthz', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.FLOOR_PORT) });
process.on('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
