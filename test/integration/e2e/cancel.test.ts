import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APP_PORT, testImages } from '../../support/images.js';
import { allContainers, appService, cleanupEnvironments, edgePorts, endpointOf, eventually, httpGet, runningContainers, startSlipway, tagAndPush, uniqueName, type Slipway } from './helpers.js';

/**
 * Cancel mid-rollout of an environment Redeploy: the database (earlier stage) keeps its new
 * version, the container caught mid-rollout returns to v1 and ends CANCELED.
 */

let slipway: Slipway;
const environments = new Set<string>();
const SLOW_TAG = 'slow-v2';

before(async () => {
  // A "v2" of the app that becomes ready only after $READY_DELAY seconds.
  await tagAndPush(testImages.slowReady.ref, testImages.appV1.name, SLOW_TAG);
  slipway = await startSlipway({ edgePorts: edgePorts(4), name: 'cancel' });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

function databaseSource(tag: string) {
  return { engine: 'postgresql', version: '15', mode: 'container', storageGb: 1, image: { name: testImages.appV1.name, tag } };
}

test('Cancel mid-rollout: the database keeps v2, the container returns to v1 and ends CANCELED', async (t) => {
  const { api, events } = slipway;
  const project = await api.createProject(uniqueName('cancel'));
  const env = await api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  const probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };
  const db = await api.createService(env.id, {
    name: 'db',
    type: 'database',
    source: databaseSource('v1'),
    settings: { instances: 1, memoryMb: 32, cpu: 100, ports: [{ containerPort: APP_PORT, public: false, protocol: 'http' }], healthchecks: { readiness: probe } },
  });
  const web = await api.createService(env.id, appService('web', { instances: 2, settings: { startTimeoutSeconds: 120, env: [{ key: 'READY_DELAY', value: '300' }] } }));

  const deployAll = await api.actOnEnvironment(env.id, 'deploy');
  const first = await api.waitForDeployment(deployAll.deploymentId);
  assert.equal(first.status, 'SUCCESS', first.message ?? '');
  assert.deepEqual(
    first.stages.filter((s) => s.services.length > 0).map((s) => [s.name, s.services.map((x) => x.name)]),
    [
      ['databases', ['db']],
      ['containers', ['web']],
    ],
    'the database runs in the earlier stage',
  );
  const endpoint = await endpointOf(api, web.id);
  assert.equal(await httpGet(endpoint), 'v1');
  const webV1 = (await runningContainers(web.id)).map((c) => c.Id).sort();
  assert.equal(webV1.length, 2);

  await api.patchService(db.id, { source: databaseSource('v2') });
  await api.patchService(web.id, { source: { image: { name: testImages.appV1.name, tag: SLOW_TAG } } });

  const since = events.mark();
  const redeploy = await api.actOnEnvironment(env.id, 'redeploy');
  await events.waitForStatus(db.id, 'DEPLOYED', 60_000, since);
  await events.waitForStatus(web.id, 'DEPLOYING', 60_000, since);
  // Mid-rollout: a slow-v2 instance exists next to the v1 ones.
  await eventually('a slow-v2 container of web', async () => (await allContainers(web.id)).some((c) => c.Labels['slipway.version'] === SLOW_TAG), 30_000);

  const cancel = await api.cancel(env.id);
  assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
  const ended = await api.waitForDeployment(redeploy.deploymentId, 60_000);
  await events.waitFor(
    (e) => e.event === 'deployment.status' && (e.data as { deploymentId: string }).deploymentId === redeploy.deploymentId && (e.data as { status: string }).status === 'CANCELED',
    10_000,
    since,
    'the CANCELED deployment event',
  );
  t.diagnostic(`web: ${events.statusPath(web.id, since).join(' → ')}; db: ${events.statusPath(db.id, since).join(' → ')}`);

  assert.equal(ended.status, 'CANCELED', ended.message ?? '');
  assert.deepEqual(events.statusPath(web.id, since), ['QUEUED', 'DEPLOYING', 'CANCELING', 'CANCELED']);
  assert.deepEqual(events.statusPath(db.id, since), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
  const environmentPath = events.events
    .slice(since)
    .filter((e) => e.event === 'environment.status' && (e.data as { environmentId: string }).environmentId === env.id)
    .map((e) => (e.data as { status: string }).status);
  assert.ok(environmentPath.includes('CANCELING'), `the environment went through CANCELING: ${environmentPath.join(' → ')}`);
  assert.equal(environmentPath[environmentPath.length - 1], 'CANCELED');

  const webAfter = await api.service(web.id);
  assert.equal(webAfter.state, 'CANCELED');
  assert.equal(webAfter.deployedVersion, 'v1');
  const webContainers = await allContainers(web.id);
  assert.deepEqual(
    webContainers.map((c) => c.Labels['slipway.version']),
    ['v1', 'v1'],
    'the slow-v2 instances are gone',
  );
  assert.deepEqual(
    webContainers.map((c) => c.Id).sort(),
    webV1,
    'the v1 instances are the ones that ran before',
  );
  assert.equal(await httpGet(endpoint), 'v1');

  const dbAfter = await api.service(db.id);
  assert.equal(dbAfter.state, 'DEPLOYED');
  assert.equal(dbAfter.deployedVersion, 'v2');
  const dbContainers = await runningContainers(db.id);
  assert.deepEqual(
    dbContainers.map((c) => c.Labels['slipway.version']),
    ['v2'],
    'the database keeps v2 (no rollback)',
  );
});
