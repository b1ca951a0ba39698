import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DomainError } from '../../../src/domain/index.js';
import { KubeFixture } from './fixture.js';

/**
 * Instances, usage and logs of a service on the test control plane. Its nodes are KWOK's: pods
 * are scheduled and reported running and ready, but no kubelet runs them, so the pod log API
 * has nothing to answer from, and no metrics-server serves metrics.k8s.io.
 */
describe('kubernetes runtime: what runs', () => {
  let f: KubeFixture;
  before(async () => (f = await KubeFixture.create()));
  after(async () => f?.close());

  test('instances from pods; usage unavailable without metrics.k8s.io; the pod log API refusal is a 502', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', { instances: 2, startTimeoutSeconds: 60 });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');

    const pods = await f.pods(web);
    const instances = await f.engine.instances(web);
    assert.equal(instances.length, 2);
    assert.deepEqual(instances.map((i) => i.id).sort(), pods.map((p) => p.metadata!.name!).sort());
    for (const instance of instances) {
      const pod = pods.find((p) => p.metadata?.name === instance.id)!;
      assert.equal(instance.name, instance.id);
      assert.equal(instance.version, (await f.store.getService(web))!.deployedVersion);
      assert.equal(instance.ready, true);
      assert.equal(instance.state, 'RUNNING');
      assert.equal(instance.restarts, 0);
      assert.equal(instance.exitCode, null);
      assert.equal(instance.oomKilled, false);
      assert.ok(pod.spec?.nodeName, 'the scheduler placed the pod');
      assert.equal(instance.node, pod.spec!.nodeName);
      assert.equal(instance.cpuPercent, undefined, 'no CPU figure without metrics.k8s.io');
    }

    // The running state from one list of the namespace's pods is the same as the service's own.
    const target = await f.target(web);
    const observed = await f.runtime.observeEnvironment(target, [web, 'no-such-service']);
    assert.deepEqual(observed.get(web), await f.runtime.observe(target));
    assert.equal(observed.get(web)?.instances.length, 2);
    assert.deepEqual(observed.get('no-such-service'), { status: 'STOPPED', instances: [] });

    const usage = await f.runtime.usage(await f.target(web));
    assert.deepEqual(usage, { available: false, instances: [] });
    // Found not served, the API is not asked again at every sample.
    const cluster = f.runtime.cluster;
    const list = cluster.list;
    const listed: string[] = [];
    cluster.list = function (this: typeof cluster, ...args: Parameters<typeof list>) {
      listed.push(args[0]);
      return list.apply(this, args);
    } as typeof list;
    try {
      assert.deepEqual(await f.runtime.usage(await f.target(web)), { available: false, instances: [] });
    } finally {
      cluster.list = list;
    }
    assert.deepEqual(listed.filter((v) => v.startsWith('metrics.k8s.io')), []);
    await f.engine.sampler.sampleNow();
    const metrics = await f.engine.metrics(web, new Date(Date.now() - 3600_000).toISOString());
    assert.equal(metrics.available, false);
    assert.deepEqual(metrics.points, []);

    // KWOK's nodes have no kubelet to read a container's output from: the API server's refusal
    // reaches the client as UPSTREAM_UNAVAILABLE, naming the pod.
    await assert.rejects(
      f.engine.logs(web, { follow: false, tail: 10, signal: new AbortController().signal }),
      (error: unknown) => error instanceof DomainError && error.code === 'UPSTREAM_UNAVAILABLE' && /pod log API/.test(error.message),
    );
  });
});
