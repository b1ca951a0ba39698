import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testImages } from '../../support/images.js';
import { cleanupEnvironments, connect, edgePorts, eventually, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * A cron job on real Docker, on a schedule with a seconds field: Slipway's scheduler starts a
 * one-off container at each tick, each run is recorded with its exit code and output and read
 * through the API; Stop suspends the schedule, Redeploy resumes it, and the schedule survives
 * a restart of Slipway.
 */

let slipway: Slipway;
const environments = new Set<string>();

interface RunView {
  id: string;
  status: string;
  exitCode: number | null;
  startedAt: string;
}

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(11), name: 'cron' });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

const runs = async (serviceId: string) => (await slipway.api.expect<{ items: RunView[] }>(200, 'GET', `/services/${serviceId}/runs`)).items;
const ended = async (serviceId: string) => (await runs(serviceId)).filter((r) => r.status !== 'RUNNING');

test('cron job every 2 s: runs recorded with exit code and output; Stop suspends, Redeploy resumes; a Slipway restart keeps the schedule', async () => {
  const project = await slipway.api.createProject(uniqueName('cron'));
  const env = (await slipway.api.createEnvironment(project.id, 'prod')).id;
  environments.add(env);
  const job = await slipway.api.createService(env, {
    name: 'tick',
    type: 'job',
    source: {
      jobType: 'cron',
      schedule: '*/2 * * * * *',
      source: { image: { name: testImages.appV1.name, tag: 'v1' } },
      command: ['/bin/busybox', 'sh', '-c', 'echo "tick at $(date +%s)"'],
      maxDurationSeconds: 30,
    },
    settings: { memoryMb: 32, cpu: 100 },
  });
  const deployed = await slipway.api.waitForDeployment((await slipway.api.act(job.id, 'deploy')).deploymentId, 60_000);
  assert.equal(deployed.status, 'SUCCESS', JSON.stringify(deployed));
  assert.equal((await slipway.api.service(job.id)).state, 'DEPLOYED');

  const done = await eventually('two ended runs', async () => ((await ended(job.id)).length >= 2 ? ended(job.id) : undefined), 30_000, 300);
  for (const run of done) assert.deepEqual([run.status, run.exitCode], ['SUCCEEDED', 0]);
  const lines = await slipway.api.expect<{ items: Array<{ message: string }> }>(200, 'GET', `/job-runs/${done[0]!.id}/logs`);
  assert.ok(lines.items.some((l) => /^tick at \d+$/.test(l.message)), JSON.stringify(lines.items));

  const stopped = await slipway.api.waitForDeployment((await slipway.api.act(job.id, 'stop')).deploymentId, 60_000);
  assert.equal(stopped.status, 'SUCCESS');
  assert.equal((await slipway.api.service(job.id)).state, 'STOPPED');
  await eventually('no run going on', async () => (await runs(job.id)).every((r) => r.status !== 'RUNNING'), 30_000, 300);
  const afterStop = (await runs(job.id)).length;
  // Two ticks of the schedule pass without a run.
  await new Promise((r) => setTimeout(r, 4500));
  assert.equal((await runs(job.id)).length, afterStop, 'no run while stopped');

  const redeployed = await slipway.api.waitForDeployment((await slipway.api.act(job.id, 'redeploy')).deploymentId, 60_000);
  assert.equal(redeployed.status, 'SUCCESS');
  await eventually('a run after Redeploy', async () => (await ended(job.id)).length > afterStop, 30_000, 300);

  // A restarted Slipway puts the schedule back from the store.
  slipway.events.close();
  await slipway.server.stop();
  slipway = await connect(await slipway.server.restart());
  const beforeRestart = (await runs(job.id)).length;
  await eventually('a run after the restart', async () => (await ended(job.id)).length > beforeRestart, 30_000, 300);
  await slipway.api.waitForDeployment((await slipway.api.act(job.id, 'stop')).deploymentId, 60_000);
});
