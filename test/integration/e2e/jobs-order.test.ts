import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DeploymentDetailView } from '../../support/api-client.js';
import { APP_PORT, testImages, testRegistry } from '../../support/images.js';
import { GitRepo } from '../build/git-repo.js';
import { appService, cleanupEnvironments, docker, edgePorts, eventually, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * The seed's order on real Docker, with one service of each kind (database, lifecycle job,
 * cron job, container, git application): step timestamps show it on Deploy and the reverse
 * on Stop; the lifecycle job's output is in the deployment log; a failing job stops the
 * environment deploy; Cancel waits for a running job, force=true kills it.
 */

const RUN_STEPS: string[] = ['DEPLOY', 'EXECUTE', 'STOP', 'RESTART', 'DELETE'];
let slipway: Slipway;
let repo: GitRepo;
const environments = new Set<string>();
const ORDER = ['databases', 'lifecycle jobs', 'cron jobs', 'containers', 'applications'];
const probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };

before(async () => {
  repo = new GitRepo();
  repo.writeApp('', 'v1');
  repo.commit('v1');
  slipway = await startSlipway({ edgePorts: edgePorts(9), name: 'jobs-order', env: { SLIPWAY_REGISTRY: testRegistry } });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
  repo?.dispose();
});

function jobBody(name: string, jobType: 'lifecycle' | 'cron', script: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    type: 'job',
    source: {
      jobType,
      source: { image: { name: testImages.appV1.name, tag: 'v1' } },
      command: ['/bin/busybox', 'sh', '-c', script],
      maxDurationSeconds: 60,
      ...(jobType === 'cron' ? { schedule: '0 0 * * *' } : {}),
      ...extra,
    },
    settings: { memoryMb: 32, cpu: 100 },
  };
}

async function newEnvironment(prefix: string): Promise<string> {
  const project = await slipway.api.createProject(uniqueName(prefix));
  const env = await slipway.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  return env.id;
}

/** Every step that runs a service (builds are pipelined, they do not wait for stages) of the deployment, with its stage, start and end (ms). */
function workSteps(detail: DeploymentDetailView) {
  return detail.stages.flatMap((stage) =>
    stage.services.flatMap((s) =>
      s.steps
        .filter((st) => RUN_STEPS.includes(st.name))
        .map((st) => ({ stage: stage.name, service: s.name, step: st.name, start: Date.parse(st.startedAt), end: Date.parse(st.startedAt) + (st.durationMs ?? 0) })),
    ),
  );
}

function assertStageOrder(detail: DeploymentDetailView, order: string[]): void {
  assert.deepEqual(
    detail.stages.filter((s) => s.services.length > 0).map((s) => s.name),
    order,
  );
  const steps = workSteps(detail);
  for (let i = 1; i < order.length; i++) {
    const earlier = steps.filter((s) => order.slice(0, i).includes(s.stage));
    for (const step of steps.filter((s) => s.stage === order[i])) {
      for (const e of earlier) assert.ok(step.start >= e.end, `${step.service} ${step.step} started before ${e.service} ${e.step} ended`);
    }
  }
}

test('one service of each kind: Deploy in the seed order, the job output logged; Stop in reverse, the stop job runs, all STOPPED', async () => {
  const { api } = slipway;
  const env = await newEnvironment('order');
  const db = await api.createService(env, {
    name: 'db',
    type: 'database',
    source: { engine: 'postgresql', version: '15', mode: 'container', storageGb: 1, image: { name: testImages.appV1.name, tag: 'v1' } },
    settings: { memoryMb: 32, cpu: 100, ports: [{ containerPort: APP_PORT, public: false, protocol: 'http' }], healthchecks: { readiness: probe }, startTimeoutSeconds: 30 },
  });
  const migrate = await api.createService(env, {
    ...jobBody('migrate', 'lifecycle', 'echo "migrating on $PHASE"; echo migrated', { events: ['start', 'stop'] }),
    settings: { memoryMb: 32, cpu: 100, env: [{ key: 'PHASE', value: 'deploy' }] },
  });
  const cron = await api.createService(env, jobBody('nightly', 'cron', 'echo nightly'));
  const box = await api.createService(env, appService('box', { public: false }));
  const web = await api.createService(env, {
    name: 'web',
    type: 'application',
    source: { git: { url: repo.fileUrl, branch: 'main' } },
    settings: { memoryMb: 32, cpu: 100, ports: [{ containerPort: 8080, public: false, protocol: 'http' }], healthchecks: { readiness: probe }, startTimeoutSeconds: 30 },
  });

  const deploy = await api.waitForDeployment((await api.actOnEnvironment(env, 'deploy')).deploymentId, 180_000);
  assert.equal(deploy.status, 'SUCCESS', JSON.stringify(deploy));
  assertStageOrder(deploy, ORDER);
  const migrateSteps = deploy.stages.flatMap((s) => s.services).find((s) => s.serviceId === migrate.id)!.steps.map((s) => `${s.name}:${s.status}`);
  assert.deepEqual(migrateSteps, ['QUEUEING:SUCCESS', 'EXECUTE:SUCCESS']);
  const logs = (await api.logs(deploy.id)).items.filter((l) => l.serviceId === migrate.id && l.step === 'EXECUTE').map((l) => l.message);
  assert.ok(logs.includes('migrating on deploy'), logs.join('\n'));
  assert.ok(logs.includes('migrated'), logs.join('\n'));
  // The run's container is gone once it ended.
  const runs = await docker.listContainers({ all: true, filters: { label: [`slipway.job-service=${migrate.id}`] } });
  assert.equal(runs.length, 0);
  for (const s of [db, migrate, cron, box, web]) assert.equal((await api.service(s.id)).state, 'DEPLOYED', s.name);

  const stop = await api.waitForDeployment((await api.actOnEnvironment(env, 'stop')).deploymentId, 120_000);
  assert.equal(stop.status, 'SUCCESS', JSON.stringify(stop));
  assertStageOrder(stop, [...ORDER].reverse());
  const stopSteps = stop.stages.flatMap((s) => s.services).find((s) => s.serviceId === migrate.id)!.steps.map((s) => s.name);
  assert.ok(stopSteps.includes('EXECUTE'), `the stop job ran: ${stopSteps.join(',')}`);
  for (const s of [db, migrate, cron, box, web]) assert.equal((await api.service(s.id)).state, 'STOPPED', s.name);
});

test('a failing lifecycle job stops the environment deploy: DEPLOYMENT_ERROR, later services CANCELED, environment DEPLOYMENT_ERROR', async () => {
  const { api } = slipway;
  const env = await newEnvironment('fail');
  const migrate = await api.createService(env, jobBody('migrate', 'lifecycle', 'echo "no such table" >&2; exit 3', { maxRestarts: 1 }));
  const box = await api.createService(env, appService('box', { public: false }));
  const detail = await api.waitForDeployment((await api.actOnEnvironment(env, 'deploy')).deploymentId, 120_000);
  assert.equal(detail.status, 'ERROR');
  const job = await api.service(migrate.id);
  assert.equal(job.state, 'DEPLOYMENT_ERROR');
  assert.match(job.statusMessage ?? '', /exited with code 3 \(2 runs\)/);
  assert.equal((await api.service(box.id)).state, 'CANCELED');
  const environment = await api.expect<{ state: string }>(200, 'GET', `/environments/${env}`);
  assert.equal(environment.state, 'DEPLOYMENT_ERROR');
  const logs = (await api.logs(detail.id)).items.filter((l) => l.serviceId === migrate.id).map((l) => l.message);
  assert.equal(logs.filter((m) => m === 'no such table').length, 2, logs.join('\n'));
});

test('Cancel waits for a running lifecycle job; force=true kills it', async () => {
  const { api, events } = slipway;
  const env = await newEnvironment('cancel');
  const migrate = await api.createService(env, jobBody('migrate', 'lifecycle', 'echo started; sleep 4; echo finished'));
  const box = await api.createService(env, appService('box', { public: false }));

  let since = events.mark();
  const first = await api.actOnEnvironment(env, 'deploy');
  await events.waitForStatus(migrate.id, 'EXECUTING', 60_000, since);
  assert.equal((await api.cancel(env)).status, 202);
  const waited = await api.waitForDeployment(first.deploymentId, 60_000);
  assert.equal(waited.status, 'CANCELED');
  assert.deepEqual(events.statusPath(migrate.id, since), ['QUEUED', 'EXECUTING', 'CANCELING', 'DEPLOYED']);
  const logs = (await api.logs(first.deploymentId)).items.filter((l) => l.serviceId === migrate.id).map((l) => l.message);
  assert.ok(logs.includes('finished'), `the job ran to its end: ${logs.join('\n')}`);
  assert.equal((await api.service(box.id)).state, 'CANCELED');

  await api.patchService(migrate.id, { source: { ...jobBody('migrate', 'lifecycle', 'echo started; sleep 300').source } });
  since = events.mark();
  const second = await api.actOnEnvironment(env, 'redeploy');
  await events.waitForStatus(migrate.id, 'EXECUTING', 60_000, since);
  await eventually('the job container running', async () => (await docker.listContainers({ filters: { label: [`slipway.job-service=${migrate.id}`] } })).length === 1);
  const forced = await api.call('POST', `/environments/${env}/cancel`, { force: true });
  assert.equal(forced.status, 202, JSON.stringify(forced.body));
  const killed = await api.waitForDeployment(second.deploymentId, 30_000);
  assert.equal(killed.status, 'CANCELED');
  const job = await api.service(migrate.id);
  assert.equal(job.state, 'CANCELED');
  assert.match(job.statusMessage ?? '', /killed/);
  assert.equal((await docker.listContainers({ all: true, filters: { label: [`slipway.job-service=${migrate.id}`] } })).length, 0);
});
