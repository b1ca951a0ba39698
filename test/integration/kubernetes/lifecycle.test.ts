import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { ANNOTATION, LABEL, publicServiceName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { KubeFixture } from './fixture.js';

describe('kubernetes runtime: every action of a service through the real Engine', () => {
  let f: KubeFixture;
  before(async () => (f = await KubeFixture.create()));
  after(async () => f?.close());

  test('Deploy, Redeploy (no changes), Restart, Stop, Redeploy, Delete', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', { instances: 2, startTimeoutSeconds: 60, ports: [{ containerPort: 8080, public: true, protocol: 'http' }] });

    // Deploy: the manifests are accepted by the API server and roll out through the controller.
    let mark = f.statusPath(web).length;
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(web, mark), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
    const deployment = (await f.deployment(web))!;
    assert.equal(deployment.spec?.replicas, 2);
    assert.equal(deployment.spec?.strategy?.rollingUpdate?.maxSurge, 1);
    assert.equal(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable, 0);
    assert.equal(deployment.spec?.progressDeadlineSeconds, 60);
    assert.equal(deployment.metadata?.labels?.[LABEL.project], (await f.store.getEnvironment(env))!.projectId);
    assert.equal(deployment.metadata?.labels?.[LABEL.environment], env);
    assert.equal(deployment.metadata?.labels?.[LABEL.service], web);
    const hash = deployment.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash];
    assert.equal(hash, (await f.store.getService(web))!.deployedSpecHash);
    assert.equal(deployment.status?.availableReplicas, 2);
    // Every ready pod reported by observe(), per instance.
    await f.until('two ready instances observed', async () => {
      const state = await f.runtime.observe(await f.target(web));
      return state.status === 'RUNNING' && state.instances.filter((i) => i.ready).length === 2;
    });
    // The public port is a NodePort, reported as the endpoint.
    const namespace = await f.namespaceOf(web);
    const nodePort = (await f.runtime.cluster.read<V1Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: publicServiceName(web), namespace } }))!;
    const endpoints = await f.engine.endpoints(web);
    assert.equal(endpoints.length, 1);
    assert.equal(endpoints[0]!.port, nodePort.spec!.ports![0]!.nodePort);
    assert.match(endpoints[0]!.url, /^http:\/\/localhost:\d+$/);

    // Redeploy without changes: nothing that changes the pod template is sent.
    const generation = deployment.metadata?.generation;
    mark = f.statusPath(web).length;
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(web, mark), ['QUEUED', 'DEPLOYED'], 'straight to DEPLOYED: no DEPLOYING');
    assert.equal((await f.deployment(web))!.metadata?.generation, generation);
    // The whole environment's hashes in one look (what a redeploy reads) agree with the service's own.
    assert.equal((await f.runtime.runningSpecHashes(await f.target(web))).get(web), hash);
    assert.equal(await f.runtime.runningSpecHash(await f.target(web)), hash);

    // Restart: the restartedAt annotation, every pod replaced, gated on the rollout.
    const podsBefore = new Set((await f.pods(web)).map((p) => p.metadata!.name));
    mark = f.statusPath(web).length;
    assert.equal((await f.run(env, 'RESTART', { serviceId: web })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(web, mark), ['RESTART_QUEUED', 'RESTARTING', 'RESTARTED']);
    const restarted = (await f.deployment(web))!;
    assert.ok(restarted.spec?.template?.metadata?.annotations?.[ANNOTATION.restartedAt], 'restartedAt annotation set');
    assert.equal(restarted.status?.updatedReplicas, 2);
    assert.equal(restarted.status?.availableReplicas, 2);
    await f.until('old pods gone after the restart', async () => (await f.pods(web)).every((p) => !podsBefore.has(p.metadata!.name)));

    // Stop: scaled to 0, no pod left; the running status follows.
    mark = f.statusPath(web).length;
    assert.equal((await f.run(env, 'STOP', { serviceId: web })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(web, mark), ['STOP_QUEUED', 'STOPPING', 'STOPPED']);
    assert.equal((await f.deployment(web))!.spec?.replicas, 0);
    assert.equal((await f.pods(web)).length, 0);
    assert.equal((await f.runtime.observe(await f.target(web))).status, 'STOPPED');

    // Redeploy after Stop brings the instances back (same spec: the replicas are what changed).
    mark = f.statusPath(web).length;
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(web, mark), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
    assert.equal((await f.deployment(web))!.status?.availableReplicas, 2);

    // Delete: the Deployment, its Services and its pods are gone.
    mark = f.statusPath(web).length;
    assert.equal((await f.run(env, 'DELETE', { serviceId: web })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(web, mark), ['DELETE_QUEUED', 'DELETING', 'DELETED']);
    assert.equal(await f.deployment(web), null);
    assert.equal((await f.pods(web)).length, 0);
    assert.deepEqual(await f.runtime.endpoints(await f.target(web)), []);
  });

  // The engine's message for it is "the deployment failed unexpectedly; see the server log"
  // (the resolver's "the kubernetes runtime is not configured" goes to the server log).
  test('a kubernetes environment on an engine without the kubernetes runtime fails its actions', async () => {
    const bare = await KubeFixture.withRuntimes(f.runtime, {});
    try {
      const env = await bare.environment();
      const web = await bare.container(env, 'web');
      const done = await bare.run(env, 'DEPLOY', { serviceId: web }, 20_000);
      assert.equal(done.status, 'ERROR');
      assert.notEqual(await bare.status(web), 'DEPLOYED');
    } finally {
      // Not bare.close(): the runtime is f's.
      await bare.engine.close();
      await bare.store.close();
    }
  });
});

