import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getApp } from '../../support/app-client.js';
import { appService, cleanupEnvironments, edgePorts, endpointOf, httpGet, runningContainers, allContainers, startSlipway, startTimes, uniqueName, type Slipway } from './helpers.js';
import { runAction, stepsOf } from './run-action.js';

/**
 * Every service action through a real Slipway process on real Docker: a `container` service of
 * the test app, 2 instances, http readiness, a public port. The tests run in order, each on the
 * state the previous one left.
 */

let slipway: Slipway;
const environments = new Set<string>();
let serviceId = '';
let endpoint = '';

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(0), name: 'lifecycle' });
  const project = await slipway.api.createProject(uniqueName('life'));
  const env = await slipway.api.createEnvironment(project.id, 'staging');
  environments.add(env.id);
  const service = await slipway.api.createService(env.id, appService('web', { instances: 2 }));
  serviceId = service.id;
  assert.equal(service.state, 'READY');
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

test('Deploy: QUEUED → DEPLOYING → DEPLOYED on the event stream, the endpoint answers v1', async () => {
  const { path, detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'deploy'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  assert.deepEqual(path, ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
  endpoint = await endpointOf(slipway.api, serviceId);
  assert.equal(await httpGet(endpoint), 'v1');
  const running = await runningContainers(serviceId);
  assert.equal(running.length, 2, 'two instances run');
  const service = await slipway.api.service(serviceId);
  assert.equal(service.state, 'DEPLOYED');
  assert.equal(service.deployedVersion, 'v1');
});

test('Redeploy without changes touches nothing: same container ids and start times, DEPLOY step "no changes"', async () => {
  const before = await startTimes(serviceId);
  assert.equal(before.size, 2);
  const { path, detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'redeploy'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  // The local image is what the registry serves: known unchanged before any work, no DEPLOYING.
  assert.deepEqual(path, ['QUEUED', 'DEPLOYED']);
  const deploy = stepsOf(detail, serviceId).find((s) => s.name === 'DEPLOY');
  assert.ok(deploy, `a DEPLOY step: ${JSON.stringify(detail.stages)}`);
  assert.equal(deploy.message, 'no changes');
  assert.deepEqual(await startTimes(serviceId), before, 'container ids and start times unchanged');
  assert.equal(await httpGet(endpoint), 'v1');
});

test('Restart: RESTART_QUEUED → RESTARTING → RESTARTED and every container replaced', async () => {
  const before = new Set((await runningContainers(serviceId)).map((c) => c.Id));
  const { path, detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'restart'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  assert.deepEqual(path, ['RESTART_QUEUED', 'RESTARTING', 'RESTARTED']);
  const after = (await runningContainers(serviceId)).map((c) => c.Id);
  assert.equal(after.length, 2);
  for (const id of after) assert.ok(!before.has(id), `container ${id.slice(0, 12)} was not replaced`);
  assert.equal(await httpGet(endpoint), 'v1');
});

test('Deploy other version v2: the endpoint answers v2, targetVersion v2, versions lists v1 and v2', async () => {
  const { path, detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'deploy', { version: 'v2' }));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  assert.deepEqual(path, ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
  assert.equal(await httpGet(endpoint), 'v2');
  const service = await slipway.api.service(serviceId);
  assert.equal(service.targetVersion, 'v2');
  assert.equal(service.deployedVersion, 'v2');
  const tags = (await slipway.api.versions(serviceId)).items.map((i) => i.tag);
  assert.ok(tags.includes('v1') && tags.includes('v2'), `versions: ${tags.join(', ')}`);
  const running = await runningContainers(serviceId);
  assert.equal(running.length, 2);
  // The runtime pins the resolved image (by id); the version label says what it runs.
  for (const c of running) assert.equal(c.Labels['slipway.version'], 'v2');
});

test('deployment history: stages, steps with durations, and logs', async () => {
  const service = await slipway.api.service(serviceId);
  const { items } = await slipway.api.deployments(service.environmentId);
  assert.deepEqual(
    items.map((d) => d.action),
    ['DEPLOY_VERSION', 'RESTART', 'REDEPLOY', 'DEPLOY'],
    'newest first',
  );
  for (const summary of items) {
    assert.equal(summary.status, 'SUCCESS');
    assert.ok(summary.startedAt && summary.endedAt, 'timed');
    const detail = await slipway.api.deployment(summary.id);
    assert.ok(detail.stages.length >= 1, 'has stages');
    const steps = stepsOf(detail, serviceId);
    assert.ok(steps.length >= 1, `steps of ${summary.action}`);
    for (const step of steps) {
      assert.equal(step.status, 'SUCCESS', `${summary.action} ${step.name}`);
      assert.equal(typeof step.durationMs, 'number', `${summary.action} ${step.name} has a duration`);
      assert.ok(step.durationMs! >= 0);
    }
    const logs = await slipway.api.logs(summary.id);
    assert.ok(logs.items.length > 0, `${summary.action} has log lines`);
  }
  const deployVersion = await slipway.api.deployment(items[0]!.id);
  assert.ok(
    stepsOf(deployVersion, serviceId).some((s) => s.name === 'DEPLOY' && s.durationMs! > 0),
    'the rollout to v2 took time',
  );
});

test('Stop: STOP_QUEUED → STOPPING → STOPPED, no container left, Stop no longer available (with a reason)', async () => {
  const { path, detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'stop'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  assert.deepEqual(path, ['STOP_QUEUED', 'STOPPING', 'STOPPED']);
  assert.deepEqual(await allContainers(serviceId), []);
  const stop = (await slipway.api.serviceActions(serviceId)).find((a) => a.action === 'STOP');
  assert.equal(stop?.available, false);
  assert.ok(stop?.reason && stop.reason.length > 0, 'a reason');
  const stopped = await getApp(endpoint, 5000);
  assert.equal(stopped.status, 503, 'the host of a stopped service answers 503');
  assert.match(stopped.body, /no running instance right now/, 'with a page that says why');
});

test('Delete: the service is gone (404) and no container is left', async () => {
  await slipway.api.act(serviceId, 'deploy', { version: 'v1' }).then((a) => slipway.api.waitForDeployment(a.deploymentId));
  assert.equal((await runningContainers(serviceId)).length, 2, 'deployed again before deleting');
  const { path, detail } = await runAction(slipway, serviceId, () => slipway.api.deleteService(serviceId));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  assert.deepEqual(path, ['DELETE_QUEUED', 'DELETING', 'DELETED']);
  const response = await slipway.api.call('GET', `/services/${serviceId}`);
  assert.equal(response.status, 404);
  assert.deepEqual(await allContainers(serviceId), []);
});
