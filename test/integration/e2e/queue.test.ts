import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testImages } from '../../support/images.js';
import type { ActionAccepted, ApiErrorBody } from '../../support/api-client.js';
import { appService, cleanupEnvironments, edgePorts, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * The per-environment queue through the API: while a request runs, another is queued (202,
 * position 1), an identical one is merged, ?queue=false is refused with ENVIRONMENT_BUSY, the
 * queue lists the waiting ones, and they run in order, one at a time.
 */

let slipway: Slipway;
const environments = new Set<string>();

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(5), name: 'queue' });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

test('queued, merged, refused with ?queue=false, listed, and run FIFO', async () => {
  const { api } = slipway;
  const project = await api.createProject(uniqueName('queue'));
  const env = await api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  // Ready only after 5 s: its Deploy keeps the environment busy while the requests below arrive.
  const slow = await api.createService(
    env.id,
    appService('slow', { image: testImages.slowReady.name, tag: testImages.slowReady.tag, public: false, settings: { env: [{ key: 'READY_DELAY', value: '5' }] } }),
  );
  const other = await api.createService(env.id, appService('other', { public: false }));

  const running = await api.act(slow.id, 'deploy');
  assert.equal(running.position, 0, 'started at once');
  assert.equal(running.merged, false);

  const queued = await api.act(slow.id, 'redeploy');
  assert.equal(queued.position, 1);
  assert.equal(queued.merged, false);
  assert.notEqual(queued.requestId, running.requestId);

  const duplicate = await api.act(slow.id, 'redeploy');
  assert.equal(duplicate.merged, true);
  assert.equal(duplicate.requestId, queued.requestId);
  assert.equal(duplicate.position, 1);

  const refused = await api.serviceAction(other.id, 'deploy', { queue: false });
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal((refused.body as ApiErrorBody).error.code, 'ENVIRONMENT_BUSY');

  const second = await api.act(other.id, 'deploy');
  assert.equal(second.position, 2);

  const queue = await api.queue(env.id);
  assert.equal(queue.running?.id, running.deploymentId, 'the first request is the running one');
  assert.deepEqual(
    queue.items.map((d) => [d.id, d.position, d.action]),
    [
      [queued.deploymentId, 1, 'REDEPLOY'],
      [second.deploymentId, 2, 'DEPLOY'],
    ],
  );

  const order: ActionAccepted[] = [running, queued, second];
  const done = [];
  for (const a of order) done.push(await api.waitForDeployment(a.deploymentId, 90_000));
  for (const d of done) assert.equal(d.status, 'SUCCESS', `${d.action}: ${d.message}`);
  for (let i = 1; i < done.length; i++) {
    const previous = done[i - 1]!;
    const current = done[i]!;
    assert.ok(Date.parse(current.startedAt!) >= Date.parse(previous.endedAt!), `${current.action} started before ${previous.action} ended`);
  }
  assert.deepEqual((await api.queue(env.id)).items, [], 'the queue is empty');
  assert.equal((await api.allDeployments(env.id)).length, 3, 'the merged request made no deployment of its own');
});
