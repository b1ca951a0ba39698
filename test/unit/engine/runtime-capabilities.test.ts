import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type JobSource } from '../../../src/domain/index.js';
import type { Builder, BuildJob, BuiltImage } from '../../../src/engine/builder.js';
import { CronScheduler } from '../../../src/engine/cron-scheduler.js';
import { syncSchedules } from '../../../src/engine/schedule-sync.js';
import { Engine } from '../../../src/engine/engine.js';
import { RuntimeResolver } from '../../../src/engine/runtime-resolver.js';
import type { ScheduleSpec, ServiceTarget } from '../../../src/runtime/runtime.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

/**
 * The engine follows what a runtime declares, not its name: every environment here is a
 * `docker` one, on runtime doubles that declare otherwise where a test says so.
 */

const HEAD = 'b'.repeat(40);

/** Builds at once into the "local engine", as the real builder does when it built the image. */
class LocalBuilder implements Builder {
  constructor(readonly registry: string | undefined) {}

  async headCommit(): Promise<string> {
    return HEAD;
  }

  imageOf(projectName: string, serviceName: string, commit: string) {
    return { name: `slipway/${projectName}-${serviceName}`, tag: commit };
  }

  async build(job: BuildJob): Promise<BuiltImage> {
    return { ...this.imageOf(job.projectName, job.serviceName, job.commit), commit: job.commit, localImageId: 'sha256:local-build' };
  }
}

/** A runtime double that runs cron schedules itself. */
class SchedulingRuntime extends FakeRuntime {
  readonly schedules: Array<{ serviceName: string; spec: ScheduleSpec }> = [];

  async installSchedule(target: ServiceTarget, spec: ScheduleSpec): Promise<void> {
    this.schedules.push({ serviceName: target.serviceName, spec });
  }

  async suspendSchedule(): Promise<void> {}
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(runtime: FakeRuntime, builder?: Builder) {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-capabilities-'));
  const store: Store = await createStore({ dataDir: dir, secretKey: 'k' });
  const engine = new Engine(store, { docker: runtime }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 }, builder);
  await engine.start();
  cleanup.push(async () => {
    await engine.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const project = await store.createProject({ name: 'shop' });
  const env = await store.createEnvironment({ projectId: project.id, name: 'prod', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  const deploy = async (serviceId: string) => {
    const { deploymentId } = await engine.submit({ environmentId: env.id, action: 'DEPLOY', serviceId, origin: 'API', triggeredBy: 'test', queue: true });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const d = await store.getDeployment(deploymentId);
      if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') return d;
      if (Date.now() > deadline) throw new Error('deployment did not end');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const app = async () =>
    (
      await store.createService({
        environmentId: env.id,
        name: 'web',
        type: 'application',
        source: { git: { url: 'file:///repo.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } },
        settings: DEFAULT_SERVICE_SETTINGS,
      })
    ).id;
  return { store, engine, deploy, app, envId: env.id };
}

describe('runtime capabilities: built images', () => {
  it("a runtime on the builder's engine ('local-engine') runs an image just built by its local id, without resolving it", async () => {
    const runtime = new FakeRuntime();
    const t = await setup(runtime, new LocalBuilder(undefined));
    const web = await t.app();
    assert.equal((await t.deploy(web)).status, 'SUCCESS');
    assert.equal(runtime.running.get(web)?.image, 'sha256:local-build');
    assert.deepEqual(runtime.callsOf('resolveImage'), []);
  });

  it("a runtime that pulls ('registry') runs an image just built by what resolveImage returns", async () => {
    const runtime = new FakeRuntime();
    runtime.builtImages = 'registry';
    const t = await setup(runtime, new LocalBuilder('127.0.0.1:5000'));
    const web = await t.app();
    assert.equal((await t.deploy(web)).status, 'SUCCESS');
    assert.equal(runtime.running.get(web)?.image, `sha256:slipway/shop-web:${HEAD}`);
    assert.deepEqual(runtime.callsOf('resolveImage'), [`slipway/shop-web:${HEAD}`]);
  });

  it("a runtime that pulls ('registry') refuses to build without a registry: BUILD_ERROR saying so", async () => {
    const runtime = new FakeRuntime();
    runtime.builtImages = 'registry';
    const t = await setup(runtime, new LocalBuilder(undefined));
    const web = await t.app();
    assert.equal((await t.deploy(web)).status, 'ERROR');
    const service = (await t.store.getService(web))!;
    assert.equal(service.status, 'BUILD_ERROR');
    assert.match(service.statusMessage ?? '', /needs a registry.*SLIPWAY_REGISTRY/);
    assert.deepEqual(runtime.callsOf('deploy'), []);
  });
});

describe('runtime capabilities: schedules', () => {
  it("a runtime that runs schedules itself gets the cron job's schedule; Slipway's scheduler never takes it", async () => {
    const runtime = new SchedulingRuntime();
    const t = await setup(runtime);
    const source: JobSource = {
      jobType: 'cron',
      schedule: '*/5 * * * *',
      source: { image: { name: 'registry.test/tick', tag: 'v1' } },
      maxDurationSeconds: 30,
      maxRestarts: 2,
    };
    const cron = (await t.store.createService({ environmentId: t.envId, name: 'tick', type: 'job', source, settings: DEFAULT_SERVICE_SETTINGS })).id;
    assert.equal((await t.deploy(cron)).status, 'SUCCESS');
    assert.deepEqual(
      runtime.schedules.map((s) => [s.serviceName, s.spec.schedule, s.spec.maxRestarts]),
      [['tick', '*/5 * * * *', 2]],
    );
    assert.equal(t.engine.scheduler.isInstalled(cron), false);

    // Nor does the sync that reinstalls deployed cron jobs at start take it into Slipway's scheduler.
    const scheduler = new CronScheduler(t.store, pino({ level: 'silent' }));
    try {
      const installed = await syncSchedules({ store: t.store, runtimes: new RuntimeResolver(t.store, { docker: runtime }), scheduler, logger: pino({ level: 'silent' }) });
      assert.equal(installed, 0);
      assert.equal(scheduler.isInstalled(cron), false);
    } finally {
      await scheduler.close();
    }
  });
});
