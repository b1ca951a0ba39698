import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getApp } from '../../support/app-client.js';
import { allContainers, appService, cleanupEnvironments, docker, edgePorts, endpointOf, httpGet, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';
import { runAction } from './run-action.js';

/**
 * A rolling Redeploy of a 3-instance service after an env var changed: Docker is watched every
 * ~100 ms (never fewer than 3 running containers, never more than 4) and an HTTP client hits the
 * endpoint without pause for the whole redeploy: zero failed requests.
 */

let slipway: Slipway;
const environments = new Set<string>();

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(1), name: 'rolling' });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

/** Sends GETs one after the other until stopped; counts what failed. */
function hammer(url: string) {
  const stats = { ok: 0, failed: 0, failures: [] as string[] };
  let running = true;
  const done = (async () => {
    while (running) {
      try {
        const { status, body } = await getApp(url);
        if (status === 200 && body === 'v1') stats.ok++;
        else {
          stats.failed++;
          stats.failures.push(`${status} ${body.slice(0, 80)}`);
        }
      } catch (error) {
        stats.failed++;
        stats.failures.push(String((error as Error).cause ?? (error as Error).message));
      }
    }
  })();
  return {
    stats,
    async stop() {
      running = false;
      await done;
      return stats;
    },
  };
}

/** Samples the service's running containers every ~100 ms until stopped. */
function watchContainers(serviceId: string) {
  const samples: Array<{ at: number; ids: string[] }> = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const list = await runningContainers(serviceId);
      samples.push({ at: Date.now(), ids: list.map((c) => c.Id) });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await done;
      return samples;
    },
  };
}

test('rolling Redeploy after an env var change: 3..4 running containers, all new ones carry the var, zero failed requests', async (t) => {
  const project = await slipway.api.createProject(uniqueName('roll'));
  const env = await slipway.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  const service = await slipway.api.createService(env.id, appService('web', { instances: 3, settings: { env: [{ key: 'GREETING', value: 'hello-1' }] } }));
  const first = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'deploy'));
  assert.equal(first.detail.status, 'SUCCESS', first.detail.message ?? '');
  const endpoint = await endpointOf(slipway.api, service.id);
  assert.equal(await httpGet(`${endpoint}/env.txt`), 'hello-1');
  const oldIds = new Set((await runningContainers(service.id)).map((c) => c.Id));
  assert.equal(oldIds.size, 3);

  await slipway.api.patchService(service.id, { settings: { env: [{ key: 'GREETING', value: 'hello-2' }] } });

  const watcher = watchContainers(service.id);
  const client = hammer(endpoint);
  let outcome;
  try {
    outcome = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'redeploy'));
  } finally {
    await client.stop();
    await watcher.stop();
  }
  const { stats } = client;
  const samples = watcher.samples;
  t.diagnostic(`HTTP during the rolling redeploy: ${stats.ok} ok, ${stats.failed} failed; ${samples.length} docker samples`);

  assert.equal(outcome.detail.status, 'SUCCESS', outcome.detail.message ?? '');
  assert.deepEqual(outcome.path, ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
  assert.equal(stats.failed, 0, `failed requests: ${stats.failures.slice(0, 5).join('; ')}`);
  assert.ok(stats.ok > 0, `the client was sending (${stats.ok} requests)`);

  assert.ok(samples.length > 0, 'the poller sampled');
  const counts = samples.map((s) => s.ids.length);
  t.diagnostic(`running containers seen: ${counts.join(',')}`);
  assert.ok(Math.min(...counts) >= 3, `running containers dropped to ${Math.min(...counts)}: ${counts.join(',')}`);
  assert.ok(Math.max(...counts) <= 4, `running containers rose to ${Math.max(...counts)}: ${counts.join(',')}`);

  const finalContainers = await runningContainers(service.id);
  assert.equal(finalContainers.length, 3);
  for (const c of finalContainers) {
    assert.ok(!oldIds.has(c.Id), `old container ${c.Id.slice(0, 12)} still runs`);
    const info = await docker.getContainer(c.Id).inspect();
    assert.ok(info.Config.Env.includes('GREETING=hello-2'), `${c.Id.slice(0, 12)} env: ${info.Config.Env.join(' ')}`);
  }
  const leftovers = (await allContainers(service.id)).filter((c) => oldIds.has(c.Id));
  assert.deepEqual(leftovers, [], 'the old containers are gone');
  // Every container that ever appeared and was not an old one carried the new value.
  const seenNew = new Set(samples.flatMap((s) => s.ids).filter((id) => !oldIds.has(id)));
  for (const id of seenNew) {
    const info = await docker
      .getContainer(id)
      .inspect()
      .catch(() => undefined);
    if (info) assert.ok(info.Config.Env.includes('GREETING=hello-2'));
  }
  assert.equal(await httpGet(`${endpoint}/env.txt`), 'hello-2');
});
