import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { buildServer } from '../../src/api/server.js';
import type { Builder, BuildJob, BuiltImage } from '../../src/engine/builder.js';
import { Engine } from '../../src/engine/engine.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { FakeRuntime } from '../support/fake-runtime.js';
import { bearer } from './api-harness.js';

/**
 * docs/queue-and-cancel.md#one-action-at-a-time: a request answered 202 with `position: 0` has
 * moved its services to their queued status before the answer, so a status read right after it
 * never shows the old status (a client polling for DEPLOYED after a Redeploy would otherwise stop
 * at once). The API runs on the real engine; the runtime and builder doubles hold their work, so
 * the request cannot end before the read.
 */

/** A gate a double waits on until the test opens it. */
class Gate {
  private open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open();
  }
}

/** Reading a branch head or building waits for its gate when one is set (a slow git remote, a long build). */
class GatedBuilder implements Builder {
  headGate: Gate | null = null;
  buildGate: Gate | null = null;
  readonly headLookups: number[] = [];
  async headCommit(): Promise<string> {
    this.headLookups.push(Date.now());
    await this.headGate?.opened;
    return 'a'.repeat(40);
  }
  imageOf(projectName: string, serviceName: string, commit: string) {
    return { name: `slipway/${projectName}-${serviceName}`, tag: commit };
  }
  async build(job: BuildJob): Promise<BuiltImage> {
    await this.buildGate?.opened;
    return { ...this.imageOf(job.projectName, job.serviceName, job.commit), commit: job.commit };
  }
}

const V = '/api/v1';
let dir: string;
let store: Store;
let engine: Engine;
let runtime: FakeRuntime;
let builder: GatedBuilder;
let app: FastifyInstance;
let admin: Record<string, string>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-api-start-'));
  store = await createStore({ dataDir: dir, secretKey: 'k' });
  runtime = new FakeRuntime();
  builder = new GatedBuilder();
  engine = new Engine(store, { docker: runtime }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 }, builder);
  await engine.start();
  app = await buildServer({ store, controlPlane: engine, listImageTags: async () => [], logger: false });
  admin = bearer((await store.createToken({ name: 'admin', role: 'admin' })).token);
});

after(async () => {
  await app?.close();
  await engine?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function environment(): Promise<string> {
  const project = await store.createProject({ name: `p-${Math.random().toString(36).slice(2, 8)}` });
  return (await store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
}

async function gitService(env: string, name: string): Promise<string> {
  const source = { git: { url: 'file:///repo.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } };
  return (await store.createService({ environmentId: env, name, type: 'application', source, settings: DEFAULT_SERVICE_SETTINGS })).id;
}

async function act(path: string): Promise<{ deploymentId: string; position: number }> {
  const res = await app.inject({ method: 'POST', url: `${V}${path}`, headers: admin });
  assert.equal(res.statusCode, 202, res.body);
  return res.json();
}

async function stateOf(serviceId: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url: `${V}/services/${serviceId}`, headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().state;
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

describe('a request that starts at once has moved its services before the 202', () => {
  test('Redeploy of a DEPLOYED container: GET /services/{id} right after the 202 is not DEPLOYED', async () => {
    const env = await environment();
    const box = (
      await store.createService({
        environmentId: env,
        name: 'box',
        type: 'container',
        source: { image: { name: 'registry.test/box', tag: 'v1' } },
        settings: DEFAULT_SERVICE_SETTINGS,
      })
    ).id;
    assert.equal(await finished((await act(`/services/${box}/deploy`)).deploymentId), 'SUCCESS');
    assert.equal(await stateOf(box), 'DEPLOYED');
    // A change to roll out, held by the runtime: the request cannot end before the read.
    await store.updateService(box, { settings: { ...DEFAULT_SERVICE_SETTINGS, instances: 2 } });
    const held = runtime.hold('box');
    const accepted = await act(`/services/${box}/redeploy`);
    assert.equal(accepted.position, 0);
    assert.ok(['QUEUED', 'DEPLOYING'].includes(await stateOf(box)), 'an in-progress status, never the old DEPLOYED');
    await held.started;
    held.release();
    assert.equal(await finished(accepted.deploymentId), 'SUCCESS');
    assert.equal(await stateOf(box), 'DEPLOYED');
  });

  test('Redeploy of a DEPLOYED git service while the git remote is slow: QUEUED or BUILDING right after the 202', async () => {
    const env = await environment();
    const web = await gitService(env, 'web');
    assert.equal(await finished((await act(`/services/${web}/deploy`)).deploymentId), 'SUCCESS');
    assert.equal(await stateOf(web), 'DEPLOYED');
    builder.headGate = new Gate();
    builder.buildGate = new Gate();
    try {
      const accepted = await act(`/services/${web}/redeploy`);
      assert.equal(accepted.position, 0);
      assert.ok(['QUEUED', 'BUILDING'].includes(await stateOf(web)), 'an in-progress status, never the old DEPLOYED');
      builder.headGate.release();
      builder.buildGate.release();
      assert.equal(await finished(accepted.deploymentId), 'SUCCESS');
    } finally {
      builder.headGate?.release();
      builder.buildGate?.release();
      builder.headGate = null;
      builder.buildGate = null;
    }
  });

  test('Deploy of a never-deployed git service: QUEUED right after the 202, while its branch head is still being read', async () => {
    const env = await environment();
    const web = await gitService(env, 'web');
    builder.headGate = new Gate();
    const lookups = builder.headLookups.length;
    try {
      const accepted = await act(`/services/${web}/deploy`);
      assert.equal(accepted.position, 0);
      assert.equal(await stateOf(web), 'QUEUED');
      builder.headGate.release();
      assert.equal(await finished(accepted.deploymentId), 'SUCCESS');
      assert.equal(builder.headLookups.length, lookups + 1);
      const detail = (await store.getDeploymentDetail(accepted.deploymentId))!;
      assert.equal(detail.stages[0]!.services[0]!.version, 'a'.repeat(40), 'the resolved head is recorded');
    } finally {
      builder.headGate?.release();
      builder.headGate = null;
    }
  });

  test('an environment Stop: every service STOP_QUEUED or STOPPING right after the 202', async () => {
    const env = await environment();
    const ids: string[] = [];
    for (const name of ['one', 'two']) {
      ids.push(
        (
          await store.createService({
            environmentId: env,
            name,
            type: 'container',
            source: { image: { name: `registry.test/${name}`, tag: 'v1' } },
            settings: DEFAULT_SERVICE_SETTINGS,
          })
        ).id,
      );
    }
    assert.equal(await finished((await act(`/environments/${env}/deploy`)).deploymentId), 'SUCCESS');
    const accepted = await act(`/environments/${env}/stop`);
    assert.equal(accepted.position, 0);
    for (const id of ids) assert.ok(['STOP_QUEUED', 'STOPPING', 'STOPPED'].includes(await stateOf(id)), 'never the old DEPLOYED');
    assert.equal(await finished(accepted.deploymentId), 'SUCCESS');
  });
});
