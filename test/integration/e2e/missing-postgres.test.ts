import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as connectSocket, createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import pg from 'pg';
import { SlipwayApi } from '../../support/api-client.js';
import { SlipwayProcess } from '../../support/slipway-process.js';
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
let proxy: Server | undefined;
const sockets = new Set<Socket>();

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A port nothing listens on: bound by the system, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The database "comes up" on that port: every connection forwarded to the real PostgreSQL. */
async function listenOn(port: number): Promise<void> {
  proxy = createServer((client) => {
    const up = connectSocket(Number(upstream.port || 5432), upstream.hostname);
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(up).pipe(client);
  });
  await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
}

after(async () => {
  await server?.dispose();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
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
  const port = await closedPort();
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
  await listenOn(port);
  server = await starting;
  const api = new SlipwayApi(server.url, server.token);
  await api.expect(200, 'GET', '/projects');
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

  const everything = [...server.records.map((r) => JSON.stringify(r)), ...server.rawLines].join('\n');
  assert.ok(!everything.includes(PASSWORD), 'the password must never be logged');
});
