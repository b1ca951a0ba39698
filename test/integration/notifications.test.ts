import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pino from 'pino';
import { DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { EventBus } from '../../src/engine/events.js';
import { Notifications } from '../../src/notifications/index.js';
import type { Store } from '../../src/store/store.js';
import { NotificationReceiver, signatureVerifies } from '../support/notification-receiver.js';
import { describeOnEachBackend } from './store-backends.js';

/**
 * Notifications on a real store (SQLite, then PostgreSQL), with a receiver on 127.0.0.1: the
 * outbox, its tries and backoff, the signature, and two "processes" (two stores, two event
 * buses, two workers on one database) seeing the same event and sending it once.
 */

const SECRET = 'receiver-secret-1234';
const quiet = pino({ level: 'silent' });
const FAST = { firstRetryMs: 100, pollMs: 50, timeoutMs: 5000, leaseMs: 10_000, concurrency: 2 };

async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A project with one container and a running deployment of it. */
async function runningDeployment(store: Store) {
  const project = await store.createProject({ name: `p${Math.random().toString(36).slice(2, 8)}` });
  const environment = await store.createEnvironment({ projectId: project.id, name: 'prod', runtime: 'docker', settings: { maxParallelBuilds: 2, maxParallelDeploys: 4 } });
  const service = await store.createService({ environmentId: environment.id, name: 'web', type: 'container', source: { image: { name: 'nginx', tag: '1.25' } }, settings: DEFAULT_SERVICE_SETTINGS });
  const deployment = (await store.startIfIdle({ environmentId: environment.id, request: { action: 'DEPLOY', level: 'service', serviceIds: [service.id], versions: {} }, origin: 'API', triggeredBy: 'tester' }, 'test-owner', 60_000))!;
  await store.recordDeploymentServices(deployment.id, [{ serviceId: service.id, name: 'web', type: 'container', stageName: 'containers', stageOrder: 4, version: '1.25', status: 'QUEUED' }]);
  return { project, environment, service, deployment };
}

async function finish(store: Store, deploymentId: string, status: 'SUCCESS' | 'ERROR'): Promise<void> {
  await store.finishDeployment(deploymentId, status, status === 'ERROR' ? 'web failed in stage containers' : null);
}

describeOnEachBackend('notifications', (s) => {
  let receiver: NotificationReceiver;
  const running: Notifications[] = [];

  before(async () => {
    receiver = await NotificationReceiver.start();
  });
  after(async () => {
    await Promise.all(running.map((n) => n.close()));
    await receiver.close();
  });

  function startNotifications(store: Store, events: EventBus): Notifications {
    const notifications = new Notifications(store, events, quiet, { allowHosts: ['127.0.0.1'], publicUrl: 'http://console.test', outbox: FAST });
    notifications.start('http://127.0.0.1:1');
    running.push(notifications);
    return notifications;
  }

  it('a failed deployment is delivered signed; 500 three times then 200 makes four tries, all recorded, sent once by two processes', async () => {
    const other = await s.backend.openStore();
    const [busA, busB] = [new EventBus(), new EventBus()];
    startNotifications(s.store, busA);
    startNotifications(other, busB);
    const { project, environment, deployment } = await runningDeployment(s.store);
    const notification = await s.store.createNotification({ projectId: project.id, name: 'ops', url: receiver.url, events: ['deployment.failed'], format: 'json', secret: SECRET });
    await s.store.createNotification({ projectId: project.id, name: 'only-success', url: receiver.url, events: ['deployment.succeeded'], format: 'json' });
    await finish(s.store, deployment.id, 'ERROR');
    receiver.received.length = 0;
    receiver.answer(500, 500, 500);

    // Both processes see the event (one published it, the relay brought it to the other).
    const event = { type: 'deployment.status', projectId: project.id, environmentId: environment.id, deploymentId: deployment.id, status: 'ERROR', message: 'web failed in stage containers' } as const;
    busA.publish(event);
    busB.publish(event);

    const deliveries = await eventually('the delivery to end', async () => {
      const list = await s.store.listDeliveries(notification.id, 10);
      return list.length === 1 && list[0]!.status !== 'PENDING' ? list : undefined;
    });
    const [delivery] = deliveries;
    assert.equal(delivery!.status, 'DELIVERED');
    assert.equal(delivery!.tries, 4);
    assert.deepEqual(delivery!.tryLog.map((t) => [t.number, t.statusCode]), [[1, 500], [2, 500], [3, 500], [4, 200]]);
    assert.ok(delivery!.tryLog.slice(0, 3).every((t) => t.error === 'the receiver answered 500'));
    assert.equal(delivery!.tryLog[3]!.error, null);
    // Backoff: each retry waited at least twice the one before (100, 200, 400 ms).
    const starts = delivery!.tryLog.map((t) => Date.parse(t.startedAt));
    assert.ok(starts[1]! - starts[0]! >= 100 && starts[2]! - starts[1]! >= 200 && starts[3]! - starts[2]! >= 400, `tries at ${starts.join(', ')}`);

    assert.equal(receiver.received.length, 4, 'the receiver got four requests, no more: the event was queued once');
    for (const got of receiver.received) {
      assert.equal(got.headers['x-slipway-event'], 'deployment.failed');
      assert.equal(got.headers['x-slipway-delivery'], delivery!.id);
      assert.ok(signatureVerifies(got, SECRET), 'the signature verifies with the secret');
      assert.ok(!signatureVerifies(got, 'another-secret'), 'and not with another one');
    }
    const body = JSON.parse(receiver.received[3]!.body) as Record<string, any>; // a JSON body of known shape
    assert.equal(body.event, 'deployment.failed');
    assert.equal(body.project.name, project.name);
    assert.equal(body.environment.name, 'prod');
    assert.equal(body.deployment.id, deployment.id);
    assert.equal(body.deployment.status, 'ERROR');
    assert.deepEqual(body.services.map((x: { name: string; version: string }) => [x.name, x.version]), [['web', '1.25']]);
    assert.equal(body.link, `http://console.test/deployments/${deployment.id}`);
    // The next test's worker must be the only one on this database.
    await Promise.all(running.splice(0).map((n) => n.close()));
  });

  it('slack format; a refused address fails each try without connecting, and the delivery ends FAILED after five', async () => {
    const bus = new EventBus();
    const notifications = new Notifications(s.store, bus, quiet, { allowHosts: [], outbox: { ...FAST, firstRetryMs: 20 } });
    notifications.start('http://127.0.0.1:1');
    running.push(notifications);
    const { project, environment, deployment } = await runningDeployment(s.store);
    // Stored directly: the API refuses this URL at creation; a name could also move to it later.
    const refused = await s.store.createNotification({ projectId: project.id, name: 'loop', url: receiver.url, events: ['deployment.succeeded'], format: 'slack' });
    await finish(s.store, deployment.id, 'SUCCESS');
    receiver.received.length = 0;
    bus.publish({ type: 'deployment.status', projectId: project.id, environmentId: environment.id, deploymentId: deployment.id, status: 'SUCCESS', message: null });
    const [delivery] = await eventually('the delivery to fail', async () => {
      const list = await s.store.listDeliveries(refused.id, 10);
      return list[0]?.status === 'FAILED' ? list : undefined;
    });
    assert.equal(delivery!.tries, 5);
    assert.ok(delivery!.tryLog.every((t) => t.statusCode === null && /refused/.test(t.error ?? '')), JSON.stringify(delivery!.tryLog));
    assert.equal(receiver.received.length, 0, 'nothing reached the receiver');
    const slack = JSON.parse(delivery!.payload) as { text: string };
    assert.match(slack.text, /DEPLOY on .*\/prod succeeded/);
  });

  it('a deployment that ended with no process to queue it is queued at the next start; a notification added after the end is not told', async () => {
    await Promise.all(running.splice(0).map((n) => n.close()));
    const { project, deployment } = await runningDeployment(s.store);
    const before = await s.store.createNotification({ projectId: project.id, name: 'before', url: receiver.url, events: ['deployment.succeeded'], format: 'json' });
    // The process that ran it died between the end and the outbox row: nobody heard the event.
    await finish(s.store, deployment.id, 'SUCCESS');
    await new Promise((r) => setTimeout(r, 5));
    const added = await s.store.createNotification({ projectId: project.id, name: 'after', url: receiver.url, events: ['deployment.succeeded'], format: 'json' });
    receiver.answer();
    startNotifications(s.store, new EventBus());
    const [delivery] = await eventually('the caught-up delivery', async () => {
      const list = await s.store.listDeliveries(before.id, 10);
      return list[0]?.status === 'DELIVERED' ? list : undefined;
    });
    assert.equal(JSON.parse(delivery!.payload).deployment.id, deployment.id);
    assert.deepEqual(await s.store.listDeliveries(added.id, 10), [], 'the notification added after the end got nothing');
    // A second start finds it queued already (close() waits for its catch-up to be over).
    await Promise.all(running.splice(0).map((n) => n.close()));
    await startNotifications(s.store, new EventBus()).close();
    running.pop();
    assert.equal((await s.store.listDeliveries(before.id, 10)).length, 1);
  });

  it('a service first seen after start with an instance restarted since then is a crash; a restart from before start is not', async () => {
    const project = await s.store.createProject({ name: `c${Math.random().toString(36).slice(2, 8)}` });
    const environment = await s.store.createEnvironment({ projectId: project.id, name: 'prod', runtime: 'docker', settings: { maxParallelBuilds: 2, maxParallelDeploys: 4 } });
    const service = await s.store.createService({ environmentId: environment.id, name: 'web', type: 'container', source: { image: { name: 'nginx', tag: '1.25' } }, settings: DEFAULT_SERVICE_SETTINGS });
    const notification = await s.store.createNotification({ projectId: project.id, name: 'crashes', url: receiver.url, events: ['service.crashed'], format: 'json' });
    receiver.answer();
    const events = new EventBus();
    const startedAt = Date.now();
    const notifications = startNotifications(s.store, events);
    const at = (ms: number) => new Date(startedAt + ms).toISOString();
    const publish = (instances: Array<{ id: string; restarts: number; startedAt: string }>) =>
      events.publish({
        type: 'service.running',
        projectId: project.id,
        environmentId: environment.id,
        serviceId: service.id,
        runningState: { status: 'RUNNING', instances: instances.map((i) => ({ ...i, version: 'v1', ready: true, lastExitCode: 137 })) },
      });
    // The process's first look at the service: "old" restarted long before it started, "new" after.
    publish([
      { id: 'old', restarts: 2, startedAt: at(-3_600_000) },
      { id: 'new', restarts: 1, startedAt: at(1000) },
    ]);
    const [delivery] = await eventually('the crash delivery', async () => {
      const list = await s.store.listDeliveries(notification.id, 10);
      return list[0]?.status === 'DELIVERED' ? list : undefined;
    });
    assert.equal(JSON.parse(delivery!.payload).instance.id, 'new');
    // Seen again unchanged: nothing more.
    publish([
      { id: 'old', restarts: 2, startedAt: at(-3_600_000) },
      { id: 'new', restarts: 1, startedAt: at(1000) },
    ]);
    // close() waits for the events being queued: whatever the second look queued is stored by then.
    await notifications.close();
    running.splice(running.indexOf(notifications), 1);
    assert.equal((await s.store.listDeliveries(notification.id, 10)).length, 1);
  });
});
