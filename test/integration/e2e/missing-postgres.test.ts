import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import pg from 'pg';
import { SlipwayApi } from '../../support/api-client.js';
import { SlipwayProcess } from '../../support/slipway-process.js';
import { freePort } from '../../support/free-port.js';
import { SocketProxy } from '../../support/socket-proxy.js';
import { edgePorts } from './helpers.js';

/**
 * Slipway started while its PostgreSQL does not answer (SLIPWAY_DATABASE_URL names 127.0.0.1 on
 * a port nobody listens on) does not crash: it logs each retry with the URL, its password
 * masked, and starts serving once the database answers there (a proxy to the real PostgreSQL).
 */

const SERVER_URL = process.env.SLIPWAY_TEST_DATABASE_URL ?? 'postgres://postgres:slipway@127.0.0.1:5432/slipway_test';
const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const DATABASE = `slipway_e2e_pgwait_${suffix}`;
const ROLE = `slipway_pgwait_${suffix}`;
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const upstream = new URL(SERVER_URL);

let server: SlipwayProcess | undefined;
let proxy: SocketProxy | undefined;

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

after(async () => {
  await server?.dispose();
  await proxy?.close();
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
  });
});

test('an unreachable PostgreSQL is retried, logged with the password masked, and used once it answers', async () => {
  await admin(async (c) => {
    await c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
    await c.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
  });
  // Nothing listens here until the test's proxy does.
  const port = await freePort();
  const databaseUrl = `postgres://${ROLE}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  const masked = `postgres://${ROLE}:****@127.0.0.1:${port}/${DATABASE}`;

  let onSpawn: (s: SlipwayProcess) => void = () => undefined;
  const spawning = new Promise<SlipwayProcess>((resolve) => (onSpawn = resolve));
  const starting = SlipwayProcess.start({ edgePorts: edgePorts(25), databaseUrl, name: 'missing-postgres', onSpawn });
  starting.catch(() => undefined);
  const spawned = await spawning;
  const retrying = (attempt: number) => (r: { msg?: string; attempt?: unknown }) =>
    r.attempt === attempt && typeof r.msg === 'string' && r.msg.includes('does not answer');
  const first = await spawned.waitForRecord(retrying(1), 30_000);
  await spawned.waitForRecord(retrying(2), 30_000);
  assert.equal(first.database, masked);
  assert.match(String(first.msg), new RegExp(`PostgreSQL at ${masked.replace(/[*]/g, '\\*')} \\(SLIPWAY_DATABASE_URL\\) does not answer`));
  assert.ok(!spawned.exited, 'the server must wait, not exit');

  // The database answers there: the server starts and serves.
  proxy = await SocketProxy.listen({ port }, { host: upstream.hostname, port: Number(upstream.port || 5432) });
  server = await starting;
  const api = new SlipwayApi(server.url, server.token);
  await api.expect(200, 'GET', '/projects');
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

  const everything = [...server.records.map((r) => JSON.stringify(r)), ...server.rawLines].join('\n');
  assert.ok(!everything.includes(PASSWORD), 'the password must never be logged');
});
