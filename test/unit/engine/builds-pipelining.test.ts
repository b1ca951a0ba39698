import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../../src/domain/index.js';
import type { Builder, BuildJob, BuildReporter, BuiltImage } from '../../../src/engine/builder.js';
import { Engine } from '../../../src/engine/engine.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

/**
 * Builds pipelined with stages (docs/queue-and-cancel.md#parallelism), with a builder double:
 * builds start when the deployment starts (bounded by maxParallelBuilds), each deploy waits for its
 * own image, a failed build is BUILD_ERROR and the first error, and Cancel or a first error stop
 * builds.
 */

const HEAD = 'a'.repeat(40);

/** A builder whose builds wait until the test releases or fails them (or their signal aborts). */
class FakeBuilder implements Builder {
  readonly started: string[] = [];
  readonly stopped: string[] = [];
  /** Commits whose image exists already: their builds record BUILD skipped and do no work, as the real pipeline does. */
  readonly alreadyBuilt = new Set<string>();
  private readonly pending = new Map<string, { release: () => void; fail: (message: string) => void }>();
  private readonly waiters: Array<() => void> = [];

  async headCommit(): Promise<string> {
    return HEAD;
  }

  imageOf(projectName: string, serviceName: string, commit: string) {
    return { name: `slipway/${projectName}-${serviceName}`, tag: commit };
  }

  async build(job: BuildJob, reporter: BuildReporter): Promise<BuiltImage> {
    if (this.alreadyBuilt.has(job.commit)) {
      await reporter.skipStep('BUILD', 'image already built');
      return { ...this.imageOf(job.projectName, job.serviceName, job.commit), commit: job.commit };
    }
    // Like the real pipeline, a build with work to do opens its step: the service is BUILDING from then on.
    const step = await reporter.startStep('BUILD');
    this.started.push(job.serviceName);
    for (const w of this.waiters.splice(0)) w();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.stopped.push(job.serviceName);
        void step.finish('CANCELED');
        reject(reporter.signal.reason);
      };
      reporter.signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(job.serviceName, {
        release: () => {
          reporter.signal.removeEventListener('abort', onAbort);
          void step.finish('SUCCESS');
          resolve({ ...this.imageOf(job.projectName, job.serviceName, job.commit), commit: job.commit });
        },
        fail: (message) => {
          reporter.signal.removeEventListener('abort', onAbort);
          void step.finish('ERROR', message);
          reporter.log('BUILD', 'error', message);
          reject(new Error(message));
        },
      });
    });
  }

  async waitStarted(name: string): Promise<void> {
    while (!this.started.includes(name)) await new Promise<void>((r) => this.waiters.push(r));
  }
  release(name: string): void {
    this.pending.get(name)!.release();
  }
  fail(name: string, message: string): void {
    this.pending.get(name)!.fail(message);
  }
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(maxParallelBuilds = 2) {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-builds-'));
  const store: Store = await createStore({ dataDir: dir, secretKey: 'k' });
  const runtime = new FakeRuntime();
  const builder = new FakeBuilder();
  const engine = new Engine(store, { docker: runtime }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 }, builder);
  await engine.start();
  cleanup.push(async () => {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const project = await store.createProject({ name: 'shop' });
  const env = await store.createEnvironment({ projectId: project.id, name: 'prod', runtime: 'docker', settings: { ...DEFAULT_ENVIRONMENT_SETTINGS, maxParallelBuilds } });
  const app = async (name: string) =>
    (
      await store.createService({
        environmentId: env.id,
        name,
        type: 'application',
        source: { git: { url: 'file:///repo.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } },
        settings: DEFAULT_SERVICE_SETTINGS,
      })
    ).id;
  const container = async (name: string) =>
    (
      await store.createService({
        environmentId: env.id,
        name,
        type: 'container',
        source: { image: { name: `registry.test/${name}`, tag: 'v1' } },
        settings: DEFAULT_SERVICE_SETTINGS,
      })
    ).id;
  const finished = async (id: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const d = await store.getDeployment(id);
      if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') return d;
      if (Date.now() > deadline) throw new Error('deployment did not end');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const status = async (id: string) => (await store.getService(id))!.status;
  return { store, runtime, builder, engine, envId: env.id, app, container, finished, status };
}

describe('builds pipelined with stages', () => {
  it('builds start at once, bounded by maxParallelBuilds, while an earlier stage deploys; each deploys with its own image', async () => {
    const t = await setup(2);
    const db = await t.container('db');
    const a = await t.app('a');
    const b = await t.app('b');
    const c = await t.app('c');
    const dbHold = t.runtime.hold('db');
    const { deploymentId } = await t.engine.submit({ environmentId: t.envId, action: 'DEPLOY', origin: 'API', triggeredBy: 't', queue: true });
    await dbHold.started;
    await t.builder.waitStarted('a');
    await t.builder.waitStarted('b');
    // The containers stage is still deploying, two builds run, the third waits for a slot.
    assert.deepEqual(t.builder.started.sort(), ['a', 'b']);
    assert.equal(await t.status(a), 'BUILDING');
    assert.equal(await t.status(c), 'QUEUED');
    t.builder.release('a');
    await t.builder.waitStarted('c');
    t.builder.release('b');
    t.builder.release('c');
    assert.deepEqual(t.runtime.callsOf('deploy'), ['db'], 'applications wait for their stage');
    dbHold.release();
    const done = await t.finished(deploymentId);
    assert.equal(done.status, 'SUCCESS');
    for (const id of [db, a, b, c]) assert.equal(await t.status(id), 'DEPLOYED');
    assert.equal((await t.store.getService(a))!.deployedVersion, HEAD);
    assert.ok(t.runtime.callsOf('resolveImage').includes(`slipway/shop-a:${HEAD}`));
    const detail = await t.store.getDeploymentDetail(deploymentId);
    const aRecord = detail!.stages.flatMap((s) => s.services).find((s) => s.serviceId === a)!;
    assert.equal(aRecord.version, HEAD, 'the branch head is recorded as the version');
  });

  it('a failed build is BUILD_ERROR and the first error: earlier stage finishes, later builds are stopped, others CANCELED', async () => {
    const t = await setup(4);
    const db = await t.container('db');
    const a = await t.app('a');
    const b = await t.app('b');
    const dbHold = t.runtime.hold('db');
    const { deploymentId } = await t.engine.submit({ environmentId: t.envId, action: 'DEPLOY', origin: 'API', triggeredBy: 't', queue: true });
    await dbHold.started;
    await t.builder.waitStarted('a');
    await t.builder.waitStarted('b');
    t.builder.fail('a', 'COPY failed: no such file');
    // b's stage has not come: its build is stopped at once, while db still deploys.
    const deadline = Date.now() + 5000;
    while (!t.builder.stopped.includes('b') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const stoppedWhileDbDeploys = [...t.builder.stopped];
    const aWhileDbDeploys = await t.status(a);
    dbHold.release();
    assert.deepEqual(stoppedWhileDbDeploys, ['b']);
    assert.equal(aWhileDbDeploys, 'BUILD_ERROR');
    const done = await t.finished(deploymentId);
    assert.equal(done.status, 'ERROR');
    assert.equal(done.message, 'a failed in stage applications');
    assert.equal(await t.status(db), 'DEPLOYED', 'the stage already running finishes');
    assert.equal(await t.status(a), 'BUILD_ERROR');
    assert.equal(await t.status(b), 'CANCELED');
    assert.deepEqual(t.runtime.callsOf('deploy'), ['db']);
    const logs = await t.store.readLogs(deploymentId);
    assert.ok(logs.some((l) => l.step === 'BUILD' && l.level === 'error' && l.message.includes('COPY failed')));
  });

  it('Cancel stops every running build; the services end CANCELED', async () => {
    const t = await setup(2);
    const a = await t.app('a');
    const b = await t.app('b');
    const { deploymentId } = await t.engine.submit({ environmentId: t.envId, action: 'DEPLOY', origin: 'API', triggeredBy: 't', queue: true });
    await t.builder.waitStarted('a');
    await t.builder.waitStarted('b');
    await t.engine.cancel(t.envId, { force: false });
    const done = await t.finished(deploymentId);
    assert.equal(done.status, 'CANCELED');
    assert.deepEqual(t.builder.stopped.sort(), ['a', 'b']);
    assert.equal(await t.status(a), 'CANCELED');
    assert.equal(await t.status(b), 'CANCELED');
    assert.deepEqual(t.runtime.callsOf('deploy'), []);
  });
});

describe('a commit already built', () => {
  /** Deploys app "a" once (its build released), then returns what the redeploy needs. */
  async function deployedOnce() {
    const t = await setup();
    t.runtime.knowCurrentImages();
    const a = await t.app('a');
    const path: string[] = [];
    t.engine.events.subscribe((e) => {
      if (e.type === 'service.status' && e.serviceId === a) path.push(e.status);
    });
    const first = await t.engine.submit({ environmentId: t.envId, serviceId: a, action: 'DEPLOY', origin: 'API', triggeredBy: 't', queue: true });
    await t.builder.waitStarted('a');
    t.builder.release('a');
    assert.equal((await t.finished(first.deploymentId)).status, 'SUCCESS');
    assert.deepEqual(path.splice(0), ['QUEUED', 'BUILDING', 'DEPLOYING', 'DEPLOYED'], 'a build with work shows BUILDING');
    t.builder.alreadyBuilt.add(HEAD);
    const redeploy = async () => {
      const { deploymentId } = await t.engine.submit({ environmentId: t.envId, serviceId: a, action: 'REDEPLOY', origin: 'API', triggeredBy: 't', queue: true });
      assert.equal((await t.finished(deploymentId)).status, 'SUCCESS');
      const detail = (await t.store.getDeploymentDetail(deploymentId))!;
      return detail.stages.flatMap((s) => s.services)[0]!.steps.map((s) => `${s.name}:${s.status}:${s.message ?? ''}`);
    };
    return { t, a, path, redeploy };
  }

  it('a Redeploy that changes nothing goes QUEUED straight to DEPLOYED: no BUILDING, no DEPLOYING; BUILD recorded skipped', async () => {
    const { t, path, redeploy } = await deployedOnce();
    const deploysBefore = t.runtime.callsOf('deploy').length;
    assert.deepEqual(await redeploy(), ['QUEUEING:SUCCESS:', 'BUILD:SKIPPED:image already built', 'DEPLOY:SUCCESS:no changes']);
    assert.deepEqual(path, ['QUEUED', 'DEPLOYED']);
    assert.equal(t.runtime.callsOf('deploy').length, deploysBefore, 'no instance touched');
  });

  it('with its settings edited, the Redeploy rolls out: QUEUED, DEPLOYING, DEPLOYED (still no BUILDING)', async () => {
    const { t, a, path, redeploy } = await deployedOnce();
    await t.store.updateService(a, { settings: { ...DEFAULT_SERVICE_SETTINGS, instances: 2 } });
    assert.deepEqual(await redeploy(), ['QUEUEING:SUCCESS:', 'BUILD:SKIPPED:image already built', `DEPLOY:SUCCESS:deployed ${HEAD}`]);
    assert.deepEqual(path, ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
  });
});
