import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { ActionAccepted, DeploymentView } from '../../support/api-client.js';
import { appService, cleanupEnvironments, edgePorts, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * Two Slipway processes on one PostgreSQL database: many actions sent to both APIs, some at
 * the same time, never run two at once on the environment; every request ends; both processes
 * execute some; the event stream of each shows what the other does. The services have no public port (both processes would open the edge ports).
 */

const SERVER_URL = process.env.SLIPWAY_TEST_DATABASE_URL ?? 'postgres://postgres:slipway@127.0.0.1:5432/slipway_test';
const DATABASE = `slipway_e2e_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const databaseUrl = (() => {
  const url = new URL(SERVER_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
})();

let a: Slipway | undefined;
let b: Slipway | undefined;
const environments = new Set<string>();

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

before(async () => {
  await admin((c) => c.query(`CREATE DATABASE ${DATABASE}`));
  // One after the other: the first creates the schema and the bootstrap token.
  a = await startSlipway({ edgePorts: edgePorts(7), databaseUrl, name: 'pg-a' });
  b = await startSlipway({ edgePorts: edgePorts(8), databaseUrl, name: 'pg-b' });
});

after(async () => {
  for (const s of [a, b]) {
    s?.events.close();
    await s?.server.dispose();
  }
  await cleanupEnvironments(environments);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`));
});

test('two processes on one PostgreSQL never run two actions on one environment at once', async (t) => {
  const A = a!;
  const B = b!;
  const project = await A.api.createProject(uniqueName('pg'));
  const env = await A.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  // Two 1-instance services, so that a burst holds several different (unmergeable) requests.
  const services = [
    await A.api.createService(env.id, appService('one', { public: false })),
    await A.api.createService(env.id, appService('two', { public: false })),
  ];
  const first = await A.api.actOnEnvironment(env.id, 'deploy');
  assert.equal((await A.api.waitForDeployment(first.deploymentId)).status, 'SUCCESS');
  // Whichever process ran it, the event streams of both show it (relayed through PostgreSQL).
  for (const via of [A, B]) {
    await via.events.waitFor(
      (e) => e.event === 'deployment.status' && (e.data as { deploymentId?: string; status?: string }).deploymentId === first.deploymentId && (e.data as { status?: string }).status === 'SUCCESS',
      15_000,
      0,
      `the deployment's SUCCESS on the event stream of ${via.server.url}`,
    );
    for (const service of services) assert.deepEqual(via.events.statusPath(service.id), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
  }

  const accepted: ActionAccepted[] = [];
  const send = (via: Slipway, i: number) =>
    via.api.act(services[Math.floor(i / 2) % 2]!.id, i % 2 === 0 ? 'restart' : 'redeploy').then((r) => (accepted.push(r), r));

  // Six one at a time, alternating processes: each starts where it was sent.
  for (let i = 0; i < 6; i++) {
    const r = await send(i % 2 === 0 ? B : A, i);
    await A.api.waitForDeployment(r.deploymentId);
  }
  // Fourteen more in two bursts, sent to both APIs at the same time.
  for (let burst = 0; burst < 2; burst++) {
    const sent = await Promise.all(Array.from({ length: 7 }, (_, i) => send(i % 2 === 0 ? A : B, burst * 7 + i)));
    await Promise.all(sent.map((r) => B.api.waitForDeployment(r.deploymentId, 120_000)));
  }
  assert.equal(accepted.length, 20);

  const ids = new Set(accepted.map((r) => r.deploymentId));
  const merged = accepted.filter((r) => r.merged).length;
  t.diagnostic(`20 requests: ${ids.size} deployments, ${merged} merged into a waiting one`);
  for (const r of accepted) if (r.merged) assert.ok(ids.has(r.requestId));

  const all = await B.api.allDeployments(env.id);
  const actions = all.filter((d) => ids.has(d.id));
  assert.equal(actions.length, ids.size, 'every request has its deployment');
  for (const d of all) {
    assert.equal(d.status, 'SUCCESS', `${d.action} ${d.id}: ${d.status} ${d.message}`);
    assert.ok(d.startedAt && d.endedAt, `${d.id} ended`);
  }

  // No two ever overlapped on the environment.
  const byStart = [...all].sort((x, y) => Date.parse(x.startedAt!) - Date.parse(y.startedAt!));
  for (let i = 1; i < byStart.length; i++) {
    const previous: DeploymentView = byStart[i - 1]!;
    const current: DeploymentView = byStart[i]!;
    assert.ok(
      Date.parse(current.startedAt!) >= Date.parse(previous.endedAt!),
      `${current.action} ${current.id} started at ${current.startedAt} before ${previous.action} ${previous.id} ended at ${previous.endedAt}`,
    );
  }

  // Who ran what: the lease owner is hostname:pid:random.
  const rows = await readOwners(env.id);
  const pids = new Map([
    [String(A.server.pid), 'A'],
    [String(B.server.pid), 'B'],
  ]);
  const ranBy = new Map<string, number>();
  for (const row of rows.filter((r) => ids.has(r.id))) {
    const pid = row.lease_owner?.split(':')[1] ?? '';
    const who = pids.get(pid) ?? `unknown(${row.lease_owner})`;
    ranBy.set(who, (ranBy.get(who) ?? 0) + 1);
  }
  t.diagnostic(`executed by: ${[...ranBy].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  assert.ok((ranBy.get('A') ?? 0) > 0, 'process A executed some');
  assert.ok((ranBy.get('B') ?? 0) > 0, 'process B executed some');
  assert.equal([...ranBy.keys()].filter((k) => k !== 'A' && k !== 'B').length, 0, 'no unknown owner');
});

/** Lease owners straight from the database (the API does not show them). */
async function readOwners(environmentId: string): Promise<Array<{ id: string; lease_owner: string | null }>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ id: string; lease_owner: string | null }>('SELECT id, lease_owner FROM deployments WHERE environment_id = $1', [environmentId]);
    return result.rows;
  } finally {
    await client.end();
  }
}
