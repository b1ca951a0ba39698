import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { buildServer } from '../../src/api/server.js';
import { Engine } from '../../src/engine/engine.js';
import type { SlipwayEvent } from '../../src/engine/events.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { FakeRuntime } from '../support/fake-runtime.js';
import { bearer } from './api-harness.js';

/**
 * What the console's queue panel and history read (docs/api.md#events, docs/api.md#deployments-name-their-services): a request
 * queued, merged or removed is a `queue.changed` event, and every deployment view names its
 * services — a deleted service by the name it had. The API runs on the real engine; the runtime
 * double holds a rollout so that requests wait behind it.
 */

const V = '/api/v1';
let dir: string;
let store: Store;
let engine: Engine;
let runtime: FakeRuntime;
let app: FastifyInstance;
let admin: Record<string, string>;
const events: SlipwayEvent[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-api-queue-'));
  store = await createStore({ dataDir: dir, secretKey: 'k' });
  runtime = new FakeRuntime();
  engine = new Engine(store, { docker: runtime }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 });
  await engine.start();
  engine.events.subscribe((e) => events.push(e));
  app = await buildServer({ store, controlPlane: engine, listImageTags: async () => [], logger: false });
  admin = bearer((await store.createToken({ name: 'admin', role: 'admin' })).token);
});

after(async () => {
  await app?.close();
  await engine?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function container(env: string, name: string): Promise<string> {
  const source = { image: { name: `registry.test/${name}`, tag: 'v1' } };
  return (await store.createService({ environmentId: env, name, type: 'container', source, settings: DEFAULT_SERVICE_SETTINGS })).id;
}

async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, status: number): Promise<T> {
  const res = await app.inject({ method, url: `${V}${path}`, headers: admin });
  assert.equal(res.statusCode, status, res.body);
  return (res.body ? res.json() : undefined) as T;
}

async function finished(deploymentId: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const d = await store.getDeployment(deploymentId);
    if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') return d.status;
    if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} still ${d?.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Named = { id: string; services: Array<{ serviceId: string; name: string | null }> };

describe('the queue and the history name their services and announce queue changes', () => {
  test('queued, merged and removed requests are queue.changed events; the queue names the services', async () => {
    const project = await store.createProject({ name: 'queues' });
    const env = (await store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
    const web = await container(env, 'web');
    const api = await container(env, 'api');
    const held = runtime.hold('web');
    const first = await call<{ deploymentId: string; position: number }>('POST', `/services/${web}/deploy`, 202);
    assert.equal(first.position, 0);
    await held.started;
    // Released whatever happens, so that a failed assertion does not leave the engine waiting.
    try {
      await queuedAndRemoved(env, project.id, web, api);
    } finally {
      held.release();
    }
    assert.equal(await finished(first.deploymentId), 'SUCCESS');
  });

  async function queuedAndRemoved(env: string, projectId: string, web: string, api: string): Promise<void> {
    const queued = await call<{ deploymentId: string; position: number }>('POST', `/services/${api}/deploy`, 202);
    const merged = await call<{ deploymentId: string; merged: boolean }>('POST', `/services/${api}/deploy`, 202);
    assert.equal(merged.merged, true);
    const changes = () => events.flatMap((e) => (e.type === 'queue.changed' && e.environmentId === env ? [[e.change, e.deploymentId, e.projectId]] : []));
    assert.deepEqual(changes(), [
      ['queued', queued.deploymentId, projectId],
      ['merged', queued.deploymentId, projectId],
    ]);

    const queue = await call<{ running: Named; items: Array<Named & { position: number }> }>('GET', `/environments/${env}/queue`, 200);
    assert.deepEqual(queue.running.services, [{ serviceId: web, name: 'web' }], 'the running request names its service');
    assert.deepEqual(queue.items.map((i) => [i.id, i.position, i.services]), [[queued.deploymentId, 1, [{ serviceId: api, name: 'api' }]]], 'a waiting request names its service');

    await call('DELETE', `/deployment-requests/${queued.deploymentId}`, 204);
    assert.deepEqual(changes().at(-1), ['removed', queued.deploymentId, projectId]);
  }

  test('a deleted service keeps its name in the history and in the deployment', async () => {
    const project = await store.createProject({ name: 'history' });
    const env = (await store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
    const gone = await container(env, 'gone');
    const deployed = await call<{ deploymentId: string }>('POST', `/services/${gone}/deploy`, 202);
    assert.equal(await finished(deployed.deploymentId), 'SUCCESS');
    const removal = await call<{ deploymentId: string }>('DELETE', `/services/${gone}`, 202);
    assert.equal(await finished(removal.deploymentId), 'SUCCESS');
    await call('GET', `/services/${gone}`, 404);

    const history = await call<{ items: Named[] }>('GET', `/environments/${env}/deployments`, 200);
    assert.deepEqual(
      history.items.map((d) => [d.id, d.services]),
      [
        [removal.deploymentId, [{ serviceId: gone, name: 'gone' }]],
        [deployed.deploymentId, [{ serviceId: gone, name: 'gone' }]],
      ],
    );
    const detail = await call<Named>('GET', `/deployments/${deployed.deploymentId}`, 200);
    assert.deepEqual(detail.services, [{ serviceId: gone, name: 'gone' }]);
  });
});
