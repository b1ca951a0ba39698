import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { DEFAULT_SERVICE_SETTINGS } from '../../../src/domain/index.js';
import { testImages } from '../../support/images.js';
import type { KubeFixture } from './fixture.js';
import { getOnce, isReady, realEnvironment, realNodeFixture, webSettings } from './real-node.js';

/**
 * A service with storage on the real node: a StatefulSet whose claim binds one of the test
 * cluster's static hostPath volumes (scripts/k8s/up.sh). What its container wrote is there
 * again after Stop and Redeploy. Each start appends a line to /data/rows.txt, which the test
 * app serves as /data/rows.txt. And a real PostgreSQL `database` service keeps its rows the
 * same way: the test talks to it with the pg client on its pod's IP (reachable from this host
 * over the node's CNI bridge), as the user and password Slipway generated.
 */
describe('kubernetes on a real node: storage', () => {
  let f: KubeFixture;
  before(async () => (f = await realNodeFixture()));
  after(async () => f?.close());

  async function rows(url: string): Promise<string> {
    let text = '';
    await f.until('the rows to be served', async () => {
      const answer = await getOnce(`${url}/data/rows.txt`);
      if (!('status' in answer) || answer.status !== 200) return false;
      text = answer.body;
      return true;
    }, 30_000);
    return text;
  }

  test('what the container wrote to its volume is there after Stop and Redeploy', async () => {
    const env = await realEnvironment(f);
    const keeper = await f.container(env, 'keeper', webSettings({
      storage: [{ mountPath: '/data', sizeGb: 1 }],
      command: ['sh', '-c', 'echo "started $(date +%s) $RANDOM" >> /data/rows.txt; exec /entrypoint.sh'],
    }));
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: keeper }, 180_000)).status, 'SUCCESS');
    assert.ok(await f.statefulSet(keeper), 'storage makes a StatefulSet');
    const [endpoint] = await f.engine.endpoints(keeper);
    assert.ok(endpoint);
    const first = await rows(endpoint.url);
    assert.match(first, /started \d+ \d+\n$/);

    assert.equal((await f.run(env, 'STOP', { serviceId: keeper }, 120_000)).status, 'SUCCESS');
    assert.equal((await f.pods(keeper)).length, 0);
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: keeper }, 180_000)).status, 'SUCCESS');
    const second = await rows(endpoint.url);
    assert.ok(second.startsWith(first), `the earlier rows are kept:\n${first}---\n${second}`);
    assert.equal(second.split('\n').length, first.split('\n').length + 1, 'and the new start added one');
  });

  /** The IP of the service's one ready pod, once there is one. */
  async function readyPodIp(serviceId: string): Promise<string> {
    let ip = '';
    await f.until('a ready database pod with an IP', async () => {
      const pod = (await f.pods(serviceId)).find(isReady);
      ip = pod?.status?.podIP ?? '';
      return ip !== '';
    }, 60_000);
    return ip;
  }

  /** Runs `sql` on the database as the credentials Slipway generated (in the store); retried while the pod is still coming up. */
  async function query(serviceId: string, sql: string): Promise<unknown[][]> {
    const env = Object.fromEntries((await f.store.getService(serviceId))!.settings.env.map((v) => [v.key, v.value]));
    const host = await readyPodIp(serviceId);
    let rows: unknown[][] = [];
    let lastError = '';
    const answered = f.until(`the database at ${host} to answer`, async () => {
      const client = new pg.Client({ host, port: 5432, user: env.POSTGRES_USER, password: env.POSTGRES_PASSWORD, database: env.POSTGRES_DB, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        rows = (await client.query({ text: sql, rowMode: 'array' })).rows as unknown[][];
        return true;
      } catch (error) {
        lastError = (error as Error).message;
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, 60_000);
    await answered.catch((error: Error) => assert.fail(`${error.message}; last error: ${lastError}`));
    return rows;
  }

  test('a PostgreSQL database with storage keeps its rows across Stop and Redeploy', async () => {
    const env = await realEnvironment(f);
    const db = (await f.store.createService({
      environmentId: env,
      name: 'db',
      type: 'database',
      source: { engine: 'postgresql', version: '15', mode: 'container', storageGb: 1, image: { name: testImages.postgres.name, tag: testImages.postgres.tag } },
      settings: {
        ...DEFAULT_SERVICE_SETTINGS,
        cpu: 250,
        memoryMb: 256,
        startTimeoutSeconds: 120,
        // A fresh directory on the volume: the test cluster's hostPath volumes are reused between runs and may hold files.
        env: [{ key: 'PGDATA', value: `/var/lib/postgresql/data/run-${randomBytes(4).toString('hex')}`, secret: false }],
      },
    })).id;
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: db }, 240_000)).status, 'SUCCESS');
    assert.ok(await f.statefulSet(db), 'storage makes a StatefulSet');
    const credentials = (await f.store.getService(db))!.settings.env;
    assert.ok(credentials.find((v) => v.key === 'POSTGRES_PASSWORD')?.value, 'Slipway generated a password');

    await query(db, "CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'kept'), (2, 'across stop') ON CONFLICT DO NOTHING");
    assert.deepEqual(await query(db, 'SELECT id, body FROM notes ORDER BY id'), [[1, 'kept'], [2, 'across stop']]);

    assert.equal((await f.run(env, 'STOP', { serviceId: db }, 120_000)).status, 'SUCCESS');
    await f.until('no database pod', async () => (await f.pods(db)).length === 0, 60_000);
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: db }, 240_000)).status, 'SUCCESS');
    assert.deepEqual(await query(db, 'SELECT id, body FROM notes ORDER BY id'), [[1, 'kept'], [2, 'across stop']]);
  });
});
