import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testImages } from '../../support/images.js';
import { NotificationReceiver, signatureVerifies } from '../../support/notification-receiver.js';
import { appService, cleanupEnvironments, connect, docker, edgePorts, eventually, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * Notifications and rollback on a real Slipway process and the real Docker Engine: a delivery
 * that failed its first try is delivered after a SIGKILL and restart of Slipway; an instance
 * killed from outside sends service.crashed; a rollback puts a version and a setting back.
 */

const SECRET = 'e2e-notification-secret';
let slipway: Slipway;
let receiver: NotificationReceiver;
const environments = new Set<string>();

interface DeliveryView {
  id: string;
  event: string;
  status: string;
  tries: number;
  attempts: Array<{ number: number; statusCode: number | null; error: string | null }>;
}

before(async () => {
  receiver = await NotificationReceiver.start();
  slipway = await startSlipway({
    edgePorts: edgePorts(30),
    name: 'notify',
    // The receiver is on this machine: allowed explicitly. Retries 3 s apart leave time to kill Slipway between two.
    env: { SLIPWAY_NOTIFICATION_ALLOW_HOSTS: '127.0.0.1', SLIPWAY_NOTIFICATION_FIRST_RETRY_MS: '3000' },
  });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await receiver?.close();
  await cleanupEnvironments(environments);
});

async function deliveries(notificationId: string): Promise<DeliveryView[]> {
  return (await slipway.api.expect<{ items: DeliveryView[] }>(200, 'GET', `/notifications/${notificationId}/deliveries`)).items;
}

test('a delivery whose first try failed is delivered after Slipway is killed and restarted; a killed instance sends service.crashed', async (t) => {
  const project = await slipway.api.createProject(uniqueName('notify'));
  const env = await slipway.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  const notification = await slipway.api.expect<{ id: string }>(201, 'POST', `/projects/${project.id}/notifications`, {
    name: 'ops',
    url: receiver.url,
    events: ['deployment.succeeded', 'service.crashed'],
    secret: SECRET,
  });
  receiver.answer(500);
  const web = await slipway.api.createService(env.id, appService('web', { public: false }));
  const deployed = await slipway.api.waitForDeployment((await slipway.api.act(web.id, 'deploy')).deploymentId, 60_000);
  assert.equal(deployed.status, 'SUCCESS');

  const [first] = await eventually('the first try to be recorded', async () => {
    const list = await deliveries(notification.id);
    return list[0]?.tries === 1 ? list : undefined;
  });
  assert.equal(first!.status, 'PENDING');
  assert.deepEqual(first!.attempts.map((a) => a.statusCode), [500]);

  slipway.events.close();
  await slipway.server.kill();
  t.diagnostic('killed Slipway between two tries');
  slipway = await connect(await slipway.server.restart());

  const [done] = await eventually('the delivery to be delivered by the new process', async () => {
    const list = await deliveries(notification.id);
    return list[0]?.status === 'DELIVERED' ? list : undefined;
  }, 30_000);
  assert.deepEqual(done!.attempts.map((a) => [a.number, a.statusCode]), [[1, 500], [2, 200]]);
  const tries = receiver.received.filter((r) => r.headers['x-slipway-delivery'] === done!.id);
  assert.equal(tries.length, 2);
  assert.ok(tries.every((r) => signatureVerifies(r, SECRET)), 'every try is signed with the secret');
  const body = JSON.parse(tries[1]!.body) as { event: string; deployment: { id: string }; services: Array<{ name: string; version: string }> };
  assert.equal(body.event, 'deployment.succeeded');
  assert.equal(body.deployment.id, deployed.id);
  assert.deepEqual(body.services.map((s) => [s.name, s.version]), [['web', 'v1']]);

  // Killed from outside (its process, as the kernel's OOM killer or a crash would): Docker restarts it.
  const [container] = await runningContainers(web.id);
  assert.ok(container, 'web runs');
  const pid = (await docker.getContainer(container.Id).inspect()).State.Pid;
  process.kill(pid, 'SIGKILL');
  const crashed = await eventually('a service.crashed delivery', async () => {
    const received = receiver.received.find((r) => r.headers['x-slipway-event'] === 'service.crashed');
    return received;
  }, 60_000).catch(async (error: unknown) => {
    // On a timeout, say what the server saw (once a crash soon after start was taken for the
    // first sight of the instance; the notifier now compares with a baseline taken before).
    t.diagnostic(`running state: ${JSON.stringify((await slipway.api.service(web.id)).runningState)}`);
    t.diagnostic(`deliveries: ${JSON.stringify(await deliveries(notification.id))}`);
    for (const r of slipway.server.records.filter((x) => (x.level ?? 0) >= 40).slice(-20)) t.diagnostic(JSON.stringify(r).slice(0, 600));
    throw error;
  });
  assert.ok(signatureVerifies(crashed, SECRET));
  const crash = JSON.parse(crashed.body) as { service: { id: string }; instance: { id: string; exitCode: number | null } };
  assert.equal(crash.service.id, web.id);
  assert.equal(crash.instance.id, container.Id);
  // Killed by SIGKILL: 128 + 9, the run that died (not the restarted run's 0).
  assert.equal(crash.instance.exitCode, 137, crashed.body);
  t.diagnostic(`service.crashed: ${crashed.body}`);
  // The exit and the restart after it are one crash: one delivery.
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(receiver.received.filter((r) => r.headers['x-slipway-event'] === 'service.crashed').length, 1);
  const instance = (await slipway.api.service(web.id)).runningState.instances.find((i) => i.id === container.Id) as { restarts?: number } | undefined;
  assert.ok((instance?.restarts ?? 0) >= 1, 'the instance shows a restart');
});

test('rollback restores a version and a setting; a failed deployment and a deleted service are refused with 409', async () => {
  const project = await slipway.api.createProject(uniqueName('rollback'));
  const env = await slipway.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  const web = await slipway.api.createService(env.id, appService('web', { public: false, settings: { env: [{ key: 'MODE', value: 'one', secret: false }] } }));
  const v1 = await slipway.api.waitForDeployment((await slipway.api.act(web.id, 'deploy')).deploymentId, 60_000);
  assert.equal(v1.status, 'SUCCESS');

  const current = await slipway.api.service(web.id);
  await slipway.api.patchService(web.id, {
    source: { image: { name: testImages.appV2.name, tag: 'v2' } },
    settings: { ...current.settings, env: [{ key: 'MODE', value: 'two', secret: false }] },
  });
  const v2 = await slipway.api.waitForDeployment((await slipway.api.act(web.id, 'redeploy')).deploymentId, 60_000);
  assert.equal(v2.status, 'SUCCESS');
  assert.equal((await slipway.api.service(web.id)).deployedVersion, 'v2');

  const preview = await slipway.api.expect<{ changes: Array<{ fromVersion: string; toVersion: string; fields: string[] }> }>(200, 'GET', `/deployments/${v1.id}/rollback`);
  assert.deepEqual(preview.changes.map((c) => [c.fromVersion, c.toVersion, c.fields]), [['v2', 'v1', ['source', 'env']]]);

  const accepted = await slipway.api.expect<{ deploymentId: string }>(202, 'POST', `/deployments/${v1.id}/rollback`);
  const rolled = await slipway.api.waitForDeployment(accepted.deploymentId, 60_000);
  assert.equal(rolled.status, 'SUCCESS', rolled.message ?? '');
  assert.equal((rolled as unknown as { rollbackOf?: string }).rollbackOf, v1.id);
  const after = await slipway.api.service(web.id);
  assert.equal(after.deployedVersion, 'v1');
  assert.equal(after.targetVersion, 'v1', 'pinned to the version rolled back to');
  assert.deepEqual((after.settings as { env: Array<{ key: string; value: string }> }).env.map((v) => [v.key, v.value]), [['MODE', 'one']]);
  assert.equal(after.pendingChanges, false);
  const [container] = await runningContainers(web.id);
  const inspected = await docker.getContainer(container!.Id).inspect();
  assert.ok(inspected.Config.Env.includes('MODE=one'), `the running container has MODE=one: ${inspected.Config.Env.join(' ')}`);
  assert.ok(inspected.Config.Image.includes(':v1') || inspected.Config.Labels['slipway.version'] === 'v1', `runs v1: ${inspected.Config.Image}`);

  // A deployment that did not succeed cannot be rolled back to.
  await slipway.api.patchService(web.id, { settings: { ...after.settings, startTimeoutSeconds: 5 }, source: { image: { name: testImages.appV1.name, tag: 'no-such-tag' } } });
  const failed = await slipway.api.waitForDeployment((await slipway.api.act(web.id, 'redeploy')).deploymentId, 60_000);
  assert.equal(failed.status, 'ERROR');
  const refused = await slipway.api.call<{ error: { code: string; details: { reason: string } } }>('POST', `/deployments/${failed.id}/rollback`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'ACTION_NOT_AVAILABLE');

  // Nor one whose services are all gone.
  await slipway.api.waitForDeployment((await slipway.api.expect<{ deploymentId: string }>(202, 'DELETE', `/services/${web.id}`)).deploymentId, 60_000);
  const gone = await slipway.api.call<{ error: { code: string; details: { reason: string } } }>('POST', `/deployments/${v1.id}/rollback`);
  assert.equal(gone.status, 409);
  assert.match(gone.body.error.details.reason, /deleted since/);
});
