import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ActionAccepted, ApiErrorBody } from '../../support/api-client.js';
import { appService, cleanupEnvironments, docker, edgePorts, eventually, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';

/** Creates /tmp/go in the container: its exec readiness probe passes from then on. */
async function openGate(containerId: string): Promise<void> {
  const execution = await docker.getContainer(containerId).exec({ Cmd: ['sh', '-c', 'echo go > /tmp/go'], AttachStdout: true, AttachStderr: true });
  const stream = await execution.start({});
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
    stream.resume();
  });
  const { ExitCode } = await execution.inspect();
  assert.equal(ExitCode, 0, 'creating /tmp/go');
}

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
  // Ready only once the test creates /tmp/go in it (an exec probe): its Deploy keeps the
  // environment busy, without any timing, until the requests below are in.
  const gate = { type: 'exec', command: ['cat', '/tmp/go'], initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 1 };
  const slow = await api.createService(env.id, appService('slow', { public: false, settings: { startTimeoutSeconds: 300, healthchecks: { readiness: gate } } }));
  const other = await api.createService(env.id, appService('other', { public: false }));

  const running = await api.act(slow.id, 'deploy');
  assert.equal(running.position, 0, 'started at once');
  assert.equal(running.merged, false);
  await eventually('the gated instance to run', async () => (await runningContainers(slow.id)).length === 1, 30_000);

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

  assert.equal((await api.service(slow.id)).state, 'DEPLOYING', 'the first request still runs');
  const [gated] = await runningContainers(slow.id);
  assert.ok(gated, 'the slow instance runs');
  await openGate(gated.Id);

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
