import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testImages } from '../../support/images.js';
import { allContainers, appService, cleanupEnvironments, connect, edgePorts, eventually, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * The server is SIGKILLed mid-deployment with a request queued behind it. A new server on the
 * same data dir ends the interrupted deployment with an explicit error, leaves no service in
 * an in-progress status, and the queue carries on.
 */

const IN_PROGRESS = new Set(['QUEUED', 'STOP_QUEUED', 'RESTART_QUEUED', 'DELETE_QUEUED', 'BUILDING', 'DEPLOYING', 'EXECUTING', 'STOPPING', 'RESTARTING', 'CANCELING', 'DELETING']);

let slipway: Slipway;
const environments = new Set<string>();

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(6), name: 'crash-1', leaseSeconds: 2 });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

test('SIGKILL mid-deployment: the new server ends it with an explicit error and runs the queued request', async (t) => {
  const project = await slipway.api.createProject(uniqueName('crash'));
  const env = await slipway.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  const slow = await slipway.api.createService(
    env.id,
    appService('slow', {
      image: testImages.slowReady.name,
      tag: testImages.slowReady.tag,
      public: false,
      settings: { startTimeoutSeconds: 300, env: [{ key: 'READY_DELAY', value: '300' }] },
    }),
  );
  const next = await slipway.api.createService(env.id, appService('next', { public: false }));

  const since = slipway.events.mark();
  const interrupted = await slipway.api.act(slow.id, 'deploy');
  assert.equal(interrupted.position, 0);
  await slipway.events.waitForStatus(slow.id, 'DEPLOYING', 30_000, since);
  await eventually('the slow container to exist', async () => (await allContainers(slow.id)).length > 0, 30_000);
  const queued = await slipway.api.act(next.id, 'deploy');
  assert.equal(queued.position, 1, 'queued behind the running deployment');

  slipway.events.close();
  await slipway.server.kill();
  t.diagnostic(`killed pid ${slipway.server.pid} mid-deployment`);
  slipway = await connect(await slipway.server.restart());

  const ended = await slipway.api.waitForDeployment(interrupted.deploymentId, 60_000);
  assert.equal(ended.status, 'ERROR');
  assert.ok(ended.message && /interrupt|stopped|died/i.test(ended.message), `an explicit message: ${ended.message}`);
  t.diagnostic(`interrupted deployment: ${ended.message}`);

  const ran = await slipway.api.waitForDeployment(queued.deploymentId, 60_000);
  assert.equal(ran.status, 'SUCCESS', ran.message ?? '');
  assert.ok(Date.parse(ran.startedAt!) >= Date.parse(ended.endedAt!), 'the queued request ran after the interrupted one ended');

  const status = await slipway.api.environmentStatus(env.id);
  for (const s of status.services) assert.ok(!IN_PROGRESS.has(s.state), `${s.name} is left ${s.state}`);
  const slowAfter = await slipway.api.service(slow.id);
  assert.ok(slowAfter.statusMessage, `the slow service says why it is ${slowAfter.state}`);
  // Its half-done first rollout is undone like a failed one: the instance it had started is gone.
  assert.deepEqual(await allContainers(slow.id), [], 'no instance left by the interrupted rollout');
  t.diagnostic(`slow service: ${slowAfter.state} (${slowAfter.statusMessage})`);

  // Not stuck: a new action starts at once and succeeds.
  const again = await slipway.api.act(next.id, 'redeploy');
  assert.equal(again.position, 0, 'the environment is free');
  assert.equal((await slipway.api.waitForDeployment(again.deploymentId, 60_000)).status, 'SUCCESS');
  assert.deepEqual((await slipway.api.queue(env.id)).items, []);
});

test('SIGKILL mid-rollout of a new version: after recovery the previous instance still serves and the new one is removed', async (t) => {
  const project = await slipway.api.createProject(uniqueName('crash'));
  const env = await slipway.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  const web = await slipway.api.createService(env.id, appService('web', { public: false }));
  assert.equal((await slipway.api.waitForDeployment((await slipway.api.act(web.id, 'deploy')).deploymentId, 60_000)).status, 'SUCCESS');
  const [before] = await allContainers(web.id);
  assert.ok(before, 'v1 runs');

  // v2 never becomes ready in time: the rollout is caught with both instances there.
  const service = await slipway.api.service(web.id);
  await slipway.api.patchService(web.id, {
    source: { image: { name: testImages.slowReady.name, tag: testImages.slowReady.tag } },
    settings: { ...service.settings, startTimeoutSeconds: 300, env: [{ key: 'READY_DELAY', value: '300', secret: false }] },
  });
  const since = slipway.events.mark();
  const rollout = await slipway.api.act(web.id, 'redeploy');
  await slipway.events.waitForStatus(web.id, 'DEPLOYING', 30_000, since);
  await eventually('the new instance to exist', async () => (await allContainers(web.id)).length === 2, 30_000);

  slipway.events.close();
  await slipway.server.kill();
  slipway = await connect(await slipway.server.restart());
  const ended = await slipway.api.waitForDeployment(rollout.deploymentId, 60_000);
  assert.equal(ended.status, 'ERROR');
  t.diagnostic(`interrupted: ${ended.message}`);
  const after = await allContainers(web.id);
  assert.deepEqual(after.map((c) => c.Id), [before.Id], 'only the v1 instance is left, the same container');
  assert.equal(after[0]!.State, 'running');
  assert.equal((await slipway.api.service(web.id)).state, 'DEPLOYMENT_ERROR');
});

