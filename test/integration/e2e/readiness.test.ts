import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testImages } from '../../support/images.js';
import { allContainers, appService, cleanupEnvironments, edgePorts, endpointOf, httpGet, runningContainers, startSlipway, tagAndPush, uniqueName, type Slipway } from './helpers.js';
import { runAction } from './run-action.js';

/**
 * Readiness gates success: a version that never becomes ready (or crashes) ends
 * DEPLOYMENT_ERROR with a message, its containers are removed, and the previous version
 * answers on the endpoint the whole time.
 */

let slipway: Slipway;
const environments = new Set<string>();

before(async () => {
  // The bad versions as tags of the app's own repository, so Deploy other version can pick them.
  await tagAndPush(testImages.neverReady.ref, testImages.appV1.name, 'never-ready');
  await tagAndPush(testImages.crash.ref, testImages.appV1.name, 'crash');
  slipway = await startSlipway({ edgePorts: edgePorts(2), name: 'readiness' });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

/** GETs the endpoint without pause until stopped; every answer that is not "v1" is a failure. */
function watchEndpoint(url: string) {
  const stats = { ok: 0, bad: [] as string[] };
  let running = true;
  const done = (async () => {
    while (running) {
      try {
        const body = await httpGet(url);
        if (body === 'v1') stats.ok++;
        else stats.bad.push(`answered ${body.slice(0, 40)}`);
      } catch (error) {
        stats.bad.push((error as Error).message);
      }
      await new Promise((r) => setTimeout(r, 20));
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

for (const bad of [
  { tag: 'never-ready', why: 'never becomes ready' },
  { tag: 'crash', why: 'exits soon after start' },
]) {
  test(`a version that ${bad.why} ends DEPLOYMENT_ERROR, is removed, and v1 answers throughout`, async (t) => {
    const project = await slipway.api.createProject(uniqueName(bad.tag));
    const env = await slipway.api.createEnvironment(project.id, 'prod');
    environments.add(env.id);
    const service = await slipway.api.createService(env.id, appService('web', { instances: 2, settings: { startTimeoutSeconds: 8 } }));
    const first = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'deploy'));
    assert.equal(first.detail.status, 'SUCCESS', first.detail.message ?? '');
    const endpoint = await endpointOf(slipway.api, service.id);
    assert.equal(await httpGet(endpoint), 'v1');
    const v1Ids = (await runningContainers(service.id)).map((c) => c.Id).sort();
    assert.equal(v1Ids.length, 2);

    const watcher = watchEndpoint(endpoint);
    let outcome;
    try {
      outcome = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'deploy', { version: bad.tag }), 60_000);
    } finally {
      await watcher.stop();
    }
    t.diagnostic(`endpoint during the failed deploy: ${watcher.stats.ok} v1 answers, ${watcher.stats.bad.length} other`);

    assert.equal(outcome.detail.status, 'ERROR');
    assert.deepEqual(outcome.path, ['QUEUED', 'DEPLOYING', 'DEPLOYMENT_ERROR']);
    const after = await slipway.api.service(service.id);
    assert.equal(after.state, 'DEPLOYMENT_ERROR');
    assert.ok(after.statusMessage && after.statusMessage.length > 0, 'the service says why');
    t.diagnostic(`status message: ${after.statusMessage}`);
    assert.equal(after.deployedVersion, 'v1', 'still v1 deployed');

    assert.deepEqual(watcher.stats.bad, [], 'the endpoint answered v1 throughout');
    assert.ok(watcher.stats.ok > 0, `the endpoint was watched (${watcher.stats.ok} answers)`);

    const left = await allContainers(service.id);
    assert.deepEqual(
      left.filter((c) => c.Labels['slipway.version'] !== 'v1').map((c) => `${c.Labels['slipway.version']} ${c.State}`),
      [],
      `the ${bad.tag} containers are removed`,
    );
    assert.deepEqual(left.map((c) => c.Id).sort(), v1Ids, 'the v1 containers are the ones that ran before');
    assert.equal(await httpGet(endpoint), 'v1');
  });
}
