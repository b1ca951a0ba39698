import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { ApiRequestCounter, countApiRequests } from '../../../bench/support/api-requests.js';
import { ANNOTATION, LABEL, workloadName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { KubeFixture } from './fixture.js';

/** KWOK's failure stage (scripts/k8s/stages/pod-never-ready.yaml) takes pods with this variable. */
const NEVER_READY = { key: 'KWOK_NEVER_READY', value: 'true', secret: false };

describe('kubernetes runtime: rollouts through the real Deployment controller', () => {
  let f: KubeFixture;
  before(async () => (f = await KubeFixture.create()));
  after(async () => f?.close());

  test('a change rolls out with never fewer available replicas than before', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', { instances: 3, startTimeoutSeconds: 60 });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');
    const v1 = (await f.deployment(web))!;
    assert.equal(v1.status?.availableReplicas, 3);

    // Every state of the Deployment during the rollout, from a watch.
    const namespace = await f.namespaceOf(web);
    const seen: Array<{ available: number; updated: number; replicas: number }> = [];
    const watch = await f.runtime.cluster.watcher.watch(
      `/apis/apps/v1/namespaces/${namespace}/deployments`,
      { fieldSelector: `metadata.name=${workloadName(web)}`, resourceVersion: v1.metadata?.resourceVersion },
      (_type: string, d: V1Deployment) => {
        seen.push({ available: d.status?.availableReplicas ?? 0, updated: d.status?.updatedReplicas ?? 0, replicas: d.status?.replicas ?? 0 });
      },
      () => undefined,
    );
    try {
      await f.updateSettings(web, { env: [{ key: 'GREETING', value: 'hello', secret: false }] });
      assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    } finally {
      watch.abort();
    }
    const v2 = (await f.deployment(web))!;
    assert.notEqual(v2.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash], v1.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash]);
    assert.ok((v2.metadata?.generation ?? 0) > (v1.metadata?.generation ?? 0), 'the template change made a new generation');
    assert.equal(v2.status?.updatedReplicas, 3);
    assert.equal(v2.status?.availableReplicas, 3);
    assert.ok(seen.length > 0, 'the watch saw the rollout');
    assert.ok(seen.every((s) => s.available >= 3), `available replicas dropped below 3: ${JSON.stringify(seen)}`);
    // (status.replicas is not checked against maxSurge: it lags the ReplicaSets' own status and
    // reads 5 for a moment while an old pod terminates.)
    assert.ok(seen.some((s) => s.updated > 0 && s.updated < 3), 'the rollout went one pod at a time');
    // Old pods may still be terminating (the controller counts them out already).
    const pods = (await f.pods(web)).filter((p) => !p.metadata?.deletionTimestamp);
    assert.equal(pods.length, 3);
    for (const pod of pods) assert.deepEqual(pod.spec?.containers[0]?.env?.map((e) => ({ name: e.name, value: e.value })), [{ name: 'GREETING', value: 'hello' }]);
  });

  test('a rollout is followed with one watch of its Deployment, and Services are deleted only when they exist', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', { instances: 3, startTimeoutSeconds: 60, ports: [{ containerPort: 8080, public: true, protocol: 'http' }] });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');
    const namespace = await f.namespaceOf(web);
    const services = async () =>
      (await f.runtime.cluster.list<V1Service>('v1', 'Service', namespace, `${LABEL.service}=${web}`)).items.map((s) => s.metadata?.name).sort();
    assert.equal((await services()).length, 2, 'the internal and the public Service');

    // Without its ports the service needs no Service: both go, in the same rolling Redeploy.
    await f.updateSettings(web, { ports: [], env: [{ key: 'GREETING', value: 'counted', secret: false }] });
    const counter = new ApiRequestCounter();
    const stopCounting = countApiRequests(new URL(f.runtime.cluster.config.getCurrentCluster()!.server), counter);
    counter.enabled = true;
    try {
      assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    } finally {
      stopCounting();
    }
    assert.deepEqual(await services(), []);
    const counts = new Map(counter.summary().byName.map((n) => [n.name, n.count]));
    const seen = JSON.stringify(Object.fromEntries(counts));
    // Replacing 3 pods one at a time changes the Deployment's status many times; one watch follows them all.
    assert.equal(counts.get('GET deployments (watch)'), 1, seen);
    // Read before the apply (the template an undo puts back), at the wait's start, and by the env Secrets' clean-up.
    assert.ok((counts.get('GET deployments (one)') ?? 0) <= 3, seen);
    assert.equal(counts.get('DELETE services (one)'), 2, seen);

    // Still without ports: nothing to delete, and no delete sent for an object that is not there
    // (the Services, the StatefulSet a service with storage would run as).
    await f.updateSettings(web, { env: [] });
    counter.reset();
    const countAgain = countApiRequests(new URL(f.runtime.cluster.config.getCurrentCluster()!.server), counter);
    try {
      assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    } finally {
      countAgain();
    }
    assert.deepEqual(counter.summary().byName.filter((n) => n.name.startsWith('DELETE')), []);
  });

  test('a rollout that never becomes ready ends DEPLOYMENT_ERROR and is undone to the previous template', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', { instances: 1, startTimeoutSeconds: 5 });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');
    const good = (await f.deployment(web))!;
    const goodHash = good.spec!.template!.metadata!.annotations![ANNOTATION.specHash];
    const goodPods = (await f.pods(web)).map((p) => p.metadata!.name);

    await f.updateSettings(web, { env: [NEVER_READY] });
    const mark = f.statusPath(web).length;
    const done = await f.run(env, 'REDEPLOY', { serviceId: web });
    assert.equal(done.status, 'ERROR');
    assert.deepEqual(f.lastPath(web, mark), ['QUEUED', 'DEPLOYING', 'DEPLOYMENT_ERROR']);
    const service = (await f.store.getService(web))!;
    assert.match(service.statusMessage ?? '', /progress deadline/);
    assert.equal(service.deployedSpecHash, goodHash, 'the deployed spec is still the good one');

    // Undone: the previous template is back and its pod (never replaced: maxUnavailable 0) serves.
    const undone = (await f.deployment(web))!;
    assert.equal(undone.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash], goodHash);
    assert.deepEqual(undone.spec?.template?.spec?.containers[0]?.env ?? [], []);
    await f.until('only the previous pod left', async () => {
      const pods = await f.pods(web);
      return pods.length === 1 && pods[0]!.metadata!.name === goodPods[0];
    });
    assert.equal(await f.runtime.runningSpecHash(await f.target(web)), goodHash);
  });

  test('Cancel mid-rollout undoes it: CANCELED, previous template back', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', { instances: 2, startTimeoutSeconds: 300 });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');
    const good = (await f.deployment(web))!;
    const goodHash = good.spec!.template!.metadata!.annotations![ANNOTATION.specHash];

    // The new version never becomes ready, so the rollout is still going when Cancel comes.
    await f.updateSettings(web, { env: [NEVER_READY] });
    const mark = f.statusPath(web).length;
    const { deploymentId } = await f.engine.submit({ environmentId: env, action: 'REDEPLOY', serviceId: web, origin: 'API', triggeredBy: 'test', queue: true });
    await f.until('a pod of the new version exists', async () => {
      const d = await f.deployment(web);
      return d?.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash] !== goodHash && (d?.status?.updatedReplicas ?? 0) >= 1;
    });
    await f.engine.cancel(env, { force: false });
    const done = await f.finished(deploymentId);
    assert.equal(done.status, 'CANCELED');
    assert.deepEqual(f.lastPath(web, mark), ['QUEUED', 'DEPLOYING', 'CANCELING', 'CANCELED']);
    const undone = (await f.deployment(web))!;
    assert.equal(undone.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash], goodHash);
    await f.until('only previous-version pods, all ready', async () => {
      const pods = await f.pods(web);
      return pods.length === 2 && pods.every((p) => p.metadata?.annotations?.[ANNOTATION.specHash] === goodHash && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    });
  });
});

