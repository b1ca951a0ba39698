import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appService, cleanupEnvironments, docker, edgePorts, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';
import { runAction } from './run-action.js';

/**
 * docs/actions.md#restart-runs-the-deployed-spec on real Docker through a real Slipway: settings
 * edited after a deploy show as pending, Restart replaces the instances with the spec deployed (the
 * edits do not go live), and Redeploy applies them. The tests run in order, each on the state the
 * previous one left.
 */

let slipway: Slipway;
const environments = new Set<string>();
let serviceId = '';

/** KEY → value of each running container's env, and how many containers run. */
async function runningEnv(): Promise<Array<Record<string, string>>> {
  const out: Array<Record<string, string>> = [];
  for (const c of await runningContainers(serviceId)) {
    const info = await docker.getContainer(c.Id).inspect();
    out.push(Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])));
  }
  return out;
}

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(17), name: 'restart-spec' });
  const project = await slipway.api.createProject(uniqueName('restart'));
  const env = await slipway.api.createEnvironment(project.id, 'staging');
  environments.add(env.id);
  const body = appService('web', {
    instances: 2,
    public: false,
    settings: {
      env: [
        { key: 'GREETING', value: 'deployed' },
        { key: 'TOKEN', value: 'deployed-secret-1', secret: true },
      ],
    },
  });
  serviceId = (await slipway.api.createService(env.id, body)).id;
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

test('deployed, then edited: pendingChanges lists env and instances', async () => {
  const { detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'deploy'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  const deployed = await slipway.api.service(serviceId);
  assert.equal(deployed.pendingChanges, false);
  assert.deepEqual(deployed.pendingFields, []);

  const edited = await slipway.api.patchService(serviceId, {
    settings: {
      instances: 3,
      env: [
        { key: 'GREETING', value: 'edited' },
        { key: 'TOKEN', value: 'edited-secret-2', secret: true },
      ],
    },
  });
  assert.equal(edited.pendingChanges, true);
  assert.deepEqual(edited.pendingFields, ['env', 'instances']);
});

test('Restart replaces every container with the deployed spec: 2 instances, the deployed env', async () => {
  const before = new Set((await runningContainers(serviceId)).map((c) => c.Id));
  const { path, detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'restart'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  assert.deepEqual(path, ['RESTART_QUEUED', 'RESTARTING', 'RESTARTED']);
  const running = await runningContainers(serviceId);
  assert.equal(running.length, 2, 'the deployed instance count, not the edited one');
  for (const c of running) assert.ok(!before.has(c.Id), `container ${c.Id.slice(0, 12)} was not replaced`);
  for (const env of await runningEnv()) {
    assert.equal(env.GREETING, 'deployed');
    assert.equal(env.TOKEN, 'deployed-secret-1');
  }
  const service = await slipway.api.service(serviceId);
  assert.deepEqual(service.pendingFields, ['env', 'instances'], 'the edits still wait for a Redeploy');
});

test('Redeploy applies the edits: 3 instances with the edited env, nothing pending', async () => {
  const { detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'redeploy'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  const envs = await runningEnv();
  assert.equal(envs.length, 3);
  for (const env of envs) {
    assert.equal(env.GREETING, 'edited');
    assert.equal(env.TOKEN, 'edited-secret-2');
  }
  const service = await slipway.api.service(serviceId);
  assert.equal(service.pendingChanges, false);
  assert.deepEqual(service.pendingFields, []);
});
