import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, environmentStatus, type JobSource, type TypedSource } from '../../../src/domain/index.js';
import type { Builder, BuildJob, BuiltImage } from '../../../src/engine/builder.js';
import type { SubmitInput } from '../../../src/engine/control-plane.js';
import { Engine } from '../../../src/engine/engine.js';
import type { SlipwayEvent } from '../../../src/engine/events.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

/**
 * Lifecycle jobs (docs/resources.md#jobs, docs/queue-and-cancel.md#stages) and the seed's order of
 * an environment action, with the runtime double: databases, lifecycle jobs, cron jobs, containers,
 * applications on Deploy, the reverse on Stop; a failing job is the first error; Cancel waits for a
 * running job unless forced.
 */

/** Builds nothing: every git service's image is "built" at once. */
class InstantBuilder implements Builder {
  async headCommit(): Promise<string> {
    return 'c'.repeat(40);
  }
  imageOf(projectName: string, serviceName: string, commit: string) {
    return { name: `slipway/${projectName}-${serviceName}`, tag: commit };
  }
  async build(job: BuildJob): Promise<BuiltImage> {
    return { ...this.imageOf(job.projectName, job.serviceName, job.commit), commit: job.commit };
  }
}

const RUN_STEPS: string[] = ['DEPLOY', 'EXECUTE', 'STOP', 'RESTART', 'DELETE'];
let store: Store;
let engine: Engine;
let runtime: FakeRuntime;
let dir: string;
const events: SlipwayEvent[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-jobs-'));
  store = await createStore({ dataDir: dir, secretKey: 'k' });
  runtime = new FakeRuntime();
  engine = new Engine(store, { docker: runtime }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 }, new InstantBuilder());
  engine.events.subscribe((e) => events.push(e));
  await engine.start();
});
after(async () => {
  await engine.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function action(environmentId: string, a: SubmitInput['action'], extra: Partial<SubmitInput> = {}): SubmitInput {
  return { environmentId, action: a, origin: 'API', triggeredBy: 'test', queue: true, ...extra };
}

async function environment(): Promise<string> {
  const project = await store.createProject({ name: `p-${Math.random().toString(36).slice(2, 8)}` });
  return (await store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
}

async function job(env: string, name: string, source: Partial<JobSource> = {}): Promise<string> {
  const full: JobSource = {
    jobType: 'lifecycle',
    events: ['start'],
    source: { image: { name: `registry.test/${name}`, tag: 'v1' } },
    maxDurationSeconds: 60,
    maxRestarts: 0,
    ...source,
  };
  return (await store.createService({ environmentId: env, name, type: 'job', source: full, settings: DEFAULT_SERVICE_SETTINGS })).id;
}

async function service(env: string, name: string, type: 'database' | 'container' | 'application'): Promise<string> {
  const typed: TypedSource =
    type === 'database'
      ? { type, source: { engine: 'postgresql', version: '15', mode: 'container', storageGb: 1, image: { name: 'registry.test/pg', tag: '15' } } }
      : type === 'container'
        ? { type, source: { image: { name: `registry.test/${name}`, tag: 'v1' } } }
        : { type, source: { git: { url: 'file:///repo.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } } };
  return (await store.createService({ environmentId: env, name, ...typed, settings: DEFAULT_SERVICE_SETTINGS })).id;
}

async function finished(deploymentId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const d = await store.getDeployment(deploymentId);
    if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') return d;
    if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} still ${d?.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const statusOf = async (id: string) => (await store.getService(id))!.status;
const statusPath = (id: string) => events.flatMap((e) => (e.type === 'service.status' && e.serviceId === id ? [e.status] : []));

/** The step that runs each service (builds are pipelined and do not wait for stages), in the order the deployment started them. */
async function workSteps(deploymentId: string) {
  const detail = (await store.getDeploymentDetail(deploymentId))!;
  return detail.stages
    .flatMap((stage) => stage.services.map((s) => ({ stage: stage.name, name: s.name, steps: s.steps.filter((st) => RUN_STEPS.includes(st.name)) })))
    .flatMap((s) => s.steps.map((st) => ({ ...s, step: st.name, startedAt: Date.parse(st.startedAt), endedAt: Date.parse(st.startedAt) + (st.durationMs ?? 0) })));
}

/** Asserts every step of a stage starts after every step of the stages before it ended. */
function assertStageOrder(steps: Awaited<ReturnType<typeof workSteps>>, order: string[]): void {
  for (let i = 1; i < order.length; i++) {
    const before = steps.filter((s) => order.slice(0, i).includes(s.stage));
    const now = steps.filter((s) => s.stage === order[i]);
    assert.ok(now.length > 0, `stage ${order[i]} has steps`);
    for (const n of now) for (const b of before) assert.ok(n.startedAt >= b.endedAt, `${n.name} ${n.step} started before ${b.name} ${b.step} ended`);
  }
}

describe('lifecycle jobs', () => {
  test('Deploy runs the job: QUEUED → EXECUTING → DEPLOYED, its output in the EXECUTE step log', async () => {
    const env = await environment();
    const migrate = await job(env, 'migrate');
    const { deploymentId } = await engine.submit(action(env, 'DEPLOY', { serviceId: migrate }));
    assert.equal((await finished(deploymentId)).status, 'SUCCESS');
    assert.deepEqual(statusPath(migrate), ['QUEUED', 'EXECUTING', 'DEPLOYED']);
    const steps = await workSteps(deploymentId);
    assert.deepEqual(steps.map((s) => [s.step]), [['EXECUTE']]);
    const logs = await store.readLogs(deploymentId);
    assert.ok(logs.some((l) => l.step === 'EXECUTE' && l.serviceId === migrate && /fake job run/.test(l.message)));
    assert.deepEqual(runtime.callsOf('deploy').filter((n) => n === 'migrate'), [], 'a job is run, never rolled out');
  });

  test('a failing job is retried maxRestarts times, then DEPLOYMENT_ERROR with the exit code', async () => {
    const env = await environment();
    const id = await job(env, 'flaky', { maxRestarts: 2 });
    runtime.jobExits.set('flaky', [3, 3, 3]);
    const { deploymentId } = await engine.submit(action(env, 'DEPLOY', { serviceId: id }));
    assert.equal((await finished(deploymentId)).status, 'ERROR');
    assert.equal(runtime.callsOf('runJob').filter((n) => n === 'flaky').length, 3);
    const s = (await store.getService(id))!;
    assert.equal(s.status, 'DEPLOYMENT_ERROR');
    assert.match(s.statusMessage ?? '', /exited with code 3 \(3 runs\)/);

    runtime.jobExits.set('flaky', [1, 0]);
    const second = await engine.submit(action(env, 'REDEPLOY', { serviceId: id }));
    assert.equal((await finished(second.deploymentId)).status, 'SUCCESS');
    assert.equal(await statusOf(id), 'DEPLOYED');
  });

  test('a run past maxDurationSeconds is DEPLOYMENT_ERROR saying so', async () => {
    const env = await environment();
    const id = await job(env, 'slow', { maxDurationSeconds: 5 });
    runtime.jobExits.set('slow', ['timeout']);
    await finished((await engine.submit(action(env, 'DEPLOY', { serviceId: id }))).deploymentId);
    const s = (await store.getService(id))!;
    assert.equal(s.status, 'DEPLOYMENT_ERROR');
    assert.match(s.statusMessage ?? '', /maxDurationSeconds \(5 s\)/);
  });

  test('the job gets the service env and its own command', async () => {
    const env = await environment();
    const id = (
      await store.createService({
        environmentId: env,
        name: 'seed',
        type: 'job',
        source: { jobType: 'lifecycle', events: ['start'], source: { image: { name: 'registry.test/seed', tag: 'v2' } }, command: ['seed', '--all'], maxDurationSeconds: 60, maxRestarts: 0 },
        settings: { ...DEFAULT_SERVICE_SETTINGS, env: [{ key: 'MODE', value: 'full', secret: false }] },
      })
    ).id;
    await finished((await engine.submit(action(env, 'DEPLOY', { serviceId: id }))).deploymentId);
    const run = runtime.jobRuns.filter((r) => r.serviceName === 'seed').at(-1)!;
    assert.deepEqual(run.spec.command, ['seed', '--all']);
    assert.equal(run.spec.env.MODE, 'full');
    assert.equal(run.spec.version, 'v2');
  });
});

describe('the seed order of environment actions', () => {
  test('Deploy: databases, lifecycle jobs, cron jobs, containers, applications; Stop in reverse, jobs with stop run and every job ends STOPPED', async () => {
    const env = await environment();
    const app = await service(env, 'web', 'application');
    const box = await service(env, 'box', 'container');
    const cron = await job(env, 'nightly', { jobType: 'cron', schedule: '0 0 * * *', events: undefined });
    const migrate = await job(env, 'migrate', { events: ['start', 'stop'] });
    const db = await service(env, 'db', 'database');

    const mark = runtime.calls.length;
    const deploy = await engine.submit(action(env, 'DEPLOY'));
    assert.equal((await finished(deploy.deploymentId)).status, 'SUCCESS');
    const detail = (await store.getDeploymentDetail(deploy.deploymentId))!;
    assert.deepEqual(
      detail.stages.map((s) => s.name),
      ['databases', 'lifecycle jobs', 'cron jobs', 'containers', 'applications'],
    );
    assertStageOrder(await workSteps(deploy.deploymentId), ['databases', 'lifecycle jobs', 'cron jobs', 'containers', 'applications']);
    // A cron job's deploy installs its schedule: it runs nothing now.
    const work = runtime.calls.slice(mark).filter((c) => ['deploy', 'runJob'].includes(c.method) && ['db', 'migrate', 'nightly', 'box', 'web'].includes(c.serviceName ?? ''));
    assert.deepEqual(work.map((c) => c.serviceName), ['db', 'migrate', 'box', 'web']);
    assert.ok(engine.scheduler.isInstalled(cron));
    for (const id of [app, box, cron, migrate, db]) assert.equal(await statusOf(id), 'DEPLOYED');

    const runsBefore = runtime.callsOf('runJob').filter((n) => n === 'migrate').length;
    const stopMark = runtime.calls.length;
    const stop = await engine.submit(action(env, 'STOP'));
    assert.equal((await finished(stop.deploymentId)).status, 'SUCCESS');
    assertStageOrder(await workSteps(stop.deploymentId), ['applications', 'containers', 'cron jobs', 'lifecycle jobs', 'databases']);
    const stops = runtime.calls.slice(stopMark).filter((c) => c.method === 'stop' && ['db', 'migrate', 'nightly', 'box', 'web'].includes(c.serviceName ?? ''));
    assert.deepEqual(stops.map((c) => c.serviceName), ['web', 'box', 'nightly', 'migrate', 'db']);
    assert.equal(runtime.callsOf('runJob').filter((n) => n === 'migrate').length, runsBefore + 1, 'the job with the stop event ran on Stop');
    const stopSteps = (await workSteps(stop.deploymentId)).filter((s) => s.name === 'migrate').map((s) => s.step);
    assert.deepEqual(stopSteps.sort(), ['EXECUTE', 'STOP']);
    for (const id of [app, box, cron, migrate, db]) assert.equal(await statusOf(id), 'STOPPED');
    assert.ok(!engine.scheduler.isInstalled(cron), 'Stop suspended the schedule');
    assert.equal(environmentStatus((await store.listServices(env)).map((s) => s.status)), 'STOPPED');
  });

  test('Delete runs the lifecycle job with the delete event before any other service is deleted', async () => {
    const env = await environment();
    const db = await service(env, 'db', 'database');
    const cleanup = await job(env, 'cleanup', { events: ['start', 'delete'] });
    const box = await service(env, 'box', 'container');
    const app = await service(env, 'web', 'application');
    const deploy = await engine.submit(action(env, 'DEPLOY'));
    assert.equal((await finished(deploy.deploymentId)).status, 'SUCCESS');

    const mark = runtime.calls.length;
    const removal = await engine.submit(action(env, 'DELETE'));
    assert.equal((await finished(removal.deploymentId)).status, 'SUCCESS');
    const work = runtime.calls
      .slice(mark)
      .filter((c) => ['runJob', 'delete'].includes(c.method))
      .map((c) => `${c.method} ${c.serviceName}`);
    // The job runs (and is removed) first; then the reversed stages: applications … databases.
    assert.deepEqual(work, ['runJob cleanup', 'delete cleanup', 'delete web', 'delete box', 'delete db']);
    const detail = (await store.getDeploymentDetail(removal.deploymentId))!;
    assert.deepEqual(detail.stages.map((s) => s.name), ['lifecycle jobs', 'applications', 'containers', 'databases']);
    for (const id of [db, cleanup, box, app]) assert.equal(await store.getService(id), undefined, 'deleted services leave the store');
  });

  test('a failing lifecycle job stops the environment deploy: DEPLOYMENT_ERROR, later services CANCELED, environment DEPLOYMENT_ERROR', async () => {
    const env = await environment();
    const db = await service(env, 'db', 'database');
    const migrate = await job(env, 'migrate');
    const box = await service(env, 'box', 'container');
    const app = await service(env, 'web', 'application');
    runtime.jobExits.set('migrate', [1]);
    const { deploymentId } = await engine.submit(action(env, 'DEPLOY'));
    const done = await finished(deploymentId);
    assert.equal(done.status, 'ERROR');
    assert.match(done.message ?? '', /migrate failed in stage lifecycle jobs/);
    assert.equal(await statusOf(db), 'DEPLOYED');
    assert.equal(await statusOf(migrate), 'DEPLOYMENT_ERROR');
    assert.equal(await statusOf(box), 'CANCELED');
    assert.equal(await statusOf(app), 'CANCELED');
    assert.equal(environmentStatus((await store.listServices(env)).map((s) => s.status)), 'DEPLOYMENT_ERROR');
  });
});

describe('cancel while a lifecycle job runs', () => {
  test('a plain Cancel waits for the job (CANCELING, then as the job ended); later services end CANCELED', async () => {
    const env = await environment();
    const migrate = await job(env, 'migrate');
    const box = await service(env, 'box', 'container');
    const hold = runtime.hold('migrate');
    const { deploymentId } = await engine.submit(action(env, 'DEPLOY'));
    await hold.started;
    await engine.cancel(env, { force: false });
    await until('migrate CANCELING', async () => (await statusOf(migrate)) === 'CANCELING');
    // Still running: the cancel waits for it at this safe point.
    assert.equal((await store.getDeployment(deploymentId))!.status, 'RUNNING');
    hold.release();
    assert.equal((await finished(deploymentId)).status, 'CANCELED');
    assert.equal(await statusOf(migrate), 'DEPLOYED');
    assert.equal(await statusOf(box), 'CANCELED');
    assert.deepEqual(statusPath(migrate), ['QUEUED', 'EXECUTING', 'CANCELING', 'DEPLOYED']);
  });

  test('Cancel with force=true kills the job: it ends CANCELED', async () => {
    const env = await environment();
    const migrate = await job(env, 'migrate');
    const hold = runtime.hold('migrate');
    const { deploymentId } = await engine.submit(action(env, 'DEPLOY'));
    await hold.started;
    await engine.cancel(env, { force: true });
    assert.equal((await finished(deploymentId)).status, 'CANCELED');
    const s = (await store.getService(migrate))!;
    assert.equal(s.status, 'CANCELED');
    assert.match(s.statusMessage ?? '', /killed/);
  });
});

describe('container databases', () => {
  test('credentials are generated once, kept as secret env; other services get <NAME>_* connection vars; the database runs with its volume and readiness', async () => {
    const env = await environment();
    const db = (
      await store.createService({
        environmentId: env,
        name: 'orders-db',
        type: 'database',
        source: { engine: 'postgresql', version: '15', mode: 'container', storageGb: 2 },
        settings: DEFAULT_SERVICE_SETTINGS,
      })
    ).id;
    const box = await service(env, 'box', 'container');
    const migrate = await job(env, 'migrate');
    const first = await engine.submit(action(env, 'DEPLOY'));
    assert.equal((await finished(first.deploymentId)).status, 'SUCCESS');

    const stored = (await store.getService(db))!;
    const password = stored.settings.env.find((v) => v.key === 'POSTGRES_PASSWORD')!;
    assert.ok(password.secret && password.value.length >= 16);
    assert.equal(stored.settings.env.find((v) => v.key === 'POSTGRES_USER')?.value, 'orders_db');

    const dbSpec = runtime.running.get(db)!;
    assert.equal(dbSpec.image, 'sha256:postgres:15', 'the official image at the version');
    assert.deepEqual(dbSpec.storage, [{ mountPath: '/var/lib/postgresql/data', sizeGb: 2 }]);
    assert.deepEqual(dbSpec.ports, [{ containerPort: 5432, public: false, protocol: 'tcp' }]);
    assert.deepEqual(dbSpec.healthchecks.readiness?.type, 'exec');
    assert.equal(dbSpec.env.POSTGRES_PASSWORD, password.value);
    assert.equal(dbSpec.env.ORDERS_DB_URL, undefined, 'a database does not get its own connection');

    const boxEnv = runtime.running.get(box)!.env;
    assert.equal(boxEnv.ORDERS_DB_HOST, 'orders-db');
    assert.equal(boxEnv.ORDERS_DB_PORT, '5432');
    assert.equal(boxEnv.ORDERS_DB_USER, 'orders_db');
    assert.equal(boxEnv.ORDERS_DB_PASSWORD, password.value);
    assert.equal(boxEnv.ORDERS_DB_DATABASE, 'orders_db');
    assert.equal(boxEnv.ORDERS_DB_URL, `postgresql://orders_db:${password.value}@orders-db:5432/orders_db`);
    assert.equal(runtime.jobRuns.filter((r) => r.serviceName === 'migrate').at(-1)!.spec.env.ORDERS_DB_URL, boxEnv.ORDERS_DB_URL, 'jobs get it too');

    // The password never reaches the deployment log.
    const logs = await store.readLogs(first.deploymentId);
    assert.ok(!logs.some((l) => l.message.includes(password.value)));

    // The same credentials on Redeploy: nothing changed, nothing is touched.
    const deploysBefore = runtime.callsOf('deploy').length;
    await finished((await engine.submit(action(env, 'REDEPLOY'))).deploymentId);
    assert.equal((await store.getService(db))!.settings.env.find((v) => v.key === 'POSTGRES_PASSWORD')!.value, password.value);
    assert.equal(runtime.callsOf('deploy').length, deploysBefore, 'no changes: no rollout');
    assert.equal(await statusOf(migrate), 'DEPLOYED');
  });
});

describe('cron jobs', () => {
  const runsOf = (id: string) => store.listJobRuns(id);

  test('Deploy installs the schedule: runs every second, each recorded with exit code and output; Stop suspends it, Redeploy resumes it', async () => {
    const env = await environment();
    const id = await job(env, 'tick', { jobType: 'cron', schedule: '* * * * * *', events: undefined, command: ['echo', 'tick'] });
    runtime.jobExits.set('tick', [0, 4]);
    await finished((await engine.submit(action(env, 'DEPLOY', { serviceId: id }))).deploymentId);
    assert.equal(await statusOf(id), 'DEPLOYED');
    await until('two finished runs', async () => (await runsOf(id)).filter((r) => r.status !== 'RUNNING').length >= 2);
    const [second, first] = (await runsOf(id)).filter((r) => r.status !== 'RUNNING').slice(-2);
    assert.deepEqual([first!.status, first!.exitCode], ['SUCCEEDED', 0]);
    assert.deepEqual([second!.status, second!.exitCode], ['FAILED', 4]);
    // Each run's start and end are told on the event stream (the console shows the last run).
    const told = (runId: string) => events.flatMap((e) => (e.type === 'job.run' && e.runId === runId ? [[e.serviceId, e.environmentId, e.status]] : []));
    assert.deepEqual(told(first!.id), [[id, env, 'RUNNING'], [id, env, 'SUCCEEDED']]);
    assert.deepEqual(told(second!.id), [[id, env, 'RUNNING'], [id, env, 'FAILED']]);
    const lines = await store.readJobRunLogs(first!.id);
    assert.ok(lines.some((l) => /fake job run/.test(l.message)));
    assert.deepEqual(runtime.jobRuns.filter((r) => r.serviceName === 'tick').at(-1)!.spec.command, ['echo', 'tick']);

    await finished((await engine.submit(action(env, 'STOP', { serviceId: id }))).deploymentId);
    assert.equal(await statusOf(id), 'STOPPED');
    await until('no run going on', async () => (await runsOf(id)).every((r) => r.status !== 'RUNNING'));
    const stoppedAt = (await runsOf(id)).length;
    // Two ticks of the schedule pass without a run.
    await new Promise((r) => setTimeout(r, 2200));
    assert.equal((await runsOf(id)).length, stoppedAt, 'no run after Stop');

    await finished((await engine.submit(action(env, 'REDEPLOY', { serviceId: id }))).deploymentId);
    await until('a run after Redeploy', async () => (await runsOf(id)).length > stoppedAt);
    await finished((await engine.submit(action(env, 'STOP', { serviceId: id }))).deploymentId);
  });

  test('runs never overlap: ticks while a run goes on are skipped', async () => {
    const env = await environment();
    const id = await job(env, 'long', { jobType: 'cron', schedule: '* * * * * *', events: undefined });
    const hold = runtime.hold('long');
    await finished((await engine.submit(action(env, 'DEPLOY', { serviceId: id }))).deploymentId);
    await hold.started;
    // Let two more ticks come while the first run is held.
    await new Promise((r) => setTimeout(r, 2200));
    assert.equal((await runsOf(id)).length, 1);
    hold.release();
    await until('the run ended', async () => (await runsOf(id))[0]?.status === 'SUCCEEDED' || (await runsOf(id)).length > 1);
    await finished((await engine.submit(action(env, 'STOP', { serviceId: id }))).deploymentId);
  });

  test('a schedule whose job another process stopped suspends itself at its next tick, running nothing', async () => {
    const env = await environment();
    const id = await job(env, 'elsewhere', { jobType: 'cron', schedule: '* * * * * *', events: undefined });
    await finished((await engine.submit(action(env, 'DEPLOY', { serviceId: id }))).deploymentId);
    // What a Stop in another Slipway process sharing the database leaves in the store.
    for (const status of ['STOP_QUEUED', 'STOPPING', 'STOPPED'] as const) await store.setServiceStatus(id, status, null);
    await until('the schedule suspended', async () => !engine.scheduler.isInstalled(id));
    const suspendedAt = new Date().toISOString();
    await until('no run going on', async () => (await runsOf(id)).every((r) => r.status !== 'RUNNING'));
    assert.ok((await runsOf(id)).every((r) => r.startedAt <= suspendedAt), 'no run after the schedule suspended');
  });

  test('a restarted control plane reinstalls the schedules of deployed cron jobs, not of stopped ones', async () => {
    const env = await environment();
    const on = await job(env, 'kept', { jobType: 'cron', schedule: '0 0 * * *', events: undefined });
    const off = await job(env, 'off', { jobType: 'cron', schedule: '0 0 * * *', events: undefined });
    await finished((await engine.submit(action(env, 'DEPLOY'))).deploymentId);
    await finished((await engine.submit(action(env, 'STOP', { serviceId: off }))).deploymentId);
    const second = new Engine(store, { docker: new FakeRuntime() }, pino({ level: 'silent' }), { pollMs: 60_000, sweepMs: 60_000 });
    await second.start();
    try {
      assert.ok(second.scheduler.isInstalled(on));
      assert.ok(!second.scheduler.isInstalled(off));
      assert.ok(second.scheduler.nextRun(on)! > new Date());
    } finally {
      await second.close();
    }
  });
});
