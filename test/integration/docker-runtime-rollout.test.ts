import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { RolloutCanceledError, type ServiceTarget } from '../../src/runtime/runtime.js';
import { testImages } from '../support/images.js';
import { cleanup, containersOf, context, docker, eventually, portBlock, memoryHostPorts, rolloutSpec, target, versionsOf } from './docker-runtime-fixture.js';
import { startTestEdge, type TestEdge } from './docker-test-edge.js';

/**
 * Rolling replacement, restart, cancellation, scaling and a control-plane restart, against the
 * real engine, public http ports served by a Caddy edge of the test's own (docker-test-edge.ts).
 */
describe('DockerRuntime rollouts', () => {
  const hostPorts = memoryHostPorts();
  const { range, edgePort } = portBlock(1);
  let edge: TestEdge;
  let runtime: DockerRuntime;
  let v1 = '';
  let v2 = '';
  const newRuntime = (): DockerRuntime =>
    new DockerRuntime({ edge: edge.edge, hostPorts, publicHost: '127.0.0.1', hostPortRange: range, drainTimeoutMs: 5000, stopTimeoutSeconds: 2 });

  before(async () => {
    edge = await startTestEdge(edgePort);
    runtime = newRuntime();
    await runtime.start();
    v1 = await runtime.resolveImage(testImages.appV1, context());
    v2 = await runtime.resolveImage(testImages.appV2, context());
  });

  after(async () => {
    await runtime?.close();
    // The edge container first: a network it is on cannot be removed.
    await edge?.remove();
    await cleanup();
  });

  /** Docker's create/destroy events of a service, in order, from now until stop(). */
  async function recordLifecycle(serviceId: string): Promise<{ sequence: Array<{ action: string; id: string }>; stop(): void }> {
    const events = await docker.getEvents({ filters: { label: [`slipway.service=${serviceId}`], type: ['container'], event: ['create', 'destroy'] } });
    const sequence: Array<{ action: string; id: string }> = [];
    let buffer = '';
    events.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { Action: string; Actor: { ID: string } };
        sequence.push({ action: event.Action, id: event.Actor.ID });
      }
    });
    return { sequence, stop: () => (events as unknown as { destroy(): void }).destroy() };
  }

  it('rolls 3 instances from v1 to v2 never dropping below 3 ready, with at most 4 containers', async () => {
    const web = target('roll');
    await runtime.deploy(web, rolloutSpec(v1, 'v1', { instances: 3 }), context());
    assert.deepEqual(await versionsOf(web.serviceId), ['v1', 'v1', 'v1']);

    const spec = rolloutSpec(v2, 'v2', { instances: 3 });
    const lifecycle = await recordLifecycle(web.serviceId);
    // The instances in the edge's route (marked ready for it) read at every step of the
    // rollout, and ready instances as observe() reports them, sampled while it runs.
    const backendReads: Array<Promise<number>> = [];
    const readyCounts: number[] = [];
    const ctx = context(() => backendReads.push(edge.readyUpstreams(web.serviceId)));
    let rolling = true;
    const poller = (async () => {
      while (rolling) {
        const state = await runtime.observe(web);
        readyCounts.push(state.instances.filter((i) => i.ready).length);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await runtime.deploy(web, spec, ctx);
    } finally {
      rolling = false;
      await poller;
    }
    await eventually('three destroy events', async () => lifecycle.sequence.filter((e) => e.action === 'destroy').length === 3);
    lifecycle.stop();

    const backendCounts = await Promise.all(backendReads);
    assert.ok(backendCounts.length >= 9, `checked at ${backendCounts.length} steps`);
    assert.ok(Math.min(...backendCounts) >= 3, `instances in the edge's route: ${backendCounts.join(',')}`);
    assert.ok(readyCounts.length > 0 && Math.min(...readyCounts) >= 3, `ready instances: ${readyCounts.join(',')}`);
    let containers = 3;
    let most = 3;
    for (const event of lifecycle.sequence) {
      containers += event.action === 'create' ? 1 : -1;
      most = Math.max(most, containers);
    }
    assert.equal(most, 4, `containers over time: ${lifecycle.sequence.map((e) => e.action).join(',')}`);
    assert.deepEqual(await versionsOf(web.serviceId), ['v2', 'v2', 'v2']);
    assert.equal(await runtime.runningSpecHash(web), spec.specHash);
    const [endpoint] = await runtime.endpoints(web);
    assert.equal(await edge.get(endpoint!), 'v2');
  });

  it('serves every request during a rolling replacement (zero downtime)', async () => {
    const web = target('roll');
    const [endpoint] = await runtime.endpoints(web);
    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    // Four clients sending requests back to back through the edge (keep-alive connections included).
    const clients = Array.from({ length: 4 }, async () => {
      while (running) {
        try {
          const body = await edge.get(endpoint!);
          seen.add(body);
          ok++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    });
    try {
      await eventually('traffic flowing', async () => ok > 20);
      await runtime.deploy(web, rolloutSpec(v1, 'v1', { instances: 3 }), context());
      const afterRollout = ok;
      await eventually('traffic after the rollout', async () => ok > afterRollout + 20);
    } finally {
      running = false;
      await Promise.all(clients);
    }
    assert.deepEqual(failures, []);
    assert.ok(seen.has('v1') && seen.has('v2'), `answers seen: ${[...seen].join(',')}`);
    assert.ok(ok > 100, `${ok} requests`);
  });

  it('restart replaces the instances one at a time, each new one before the old one goes', async () => {
    const web = target('roll');
    const before = (await containersOf(web.serviceId)).map((c) => c.Id);
    const { sequence, stop } = await recordLifecycle(web.serviceId);
    const spec = rolloutSpec(v1, 'v1', { instances: 3 });
    await runtime.restart(web, spec, context());
    await eventually('three destroy events', async () => sequence.filter((e) => e.action === 'destroy').length === 3);
    stop();

    assert.deepEqual(sequence.map((e) => e.action), ['create', 'destroy', 'create', 'destroy', 'create', 'destroy']);
    assert.deepEqual(sequence.filter((e) => e.action === 'destroy').map((e) => e.id).sort(), [...before].sort());
    const after = (await containersOf(web.serviceId)).map((c) => c.Id);
    assert.deepEqual([...after].sort(), sequence.filter((e) => e.action === 'create').map((e) => e.id).sort());
    assert.equal(after.filter((id) => before.includes(id)).length, 0);
    assert.equal(await runtime.runningSpecHash(web), spec.specHash);
  });

  it('cancels mid-rollout and brings back v1 on every instance', async () => {
    const web = target('roll');
    const v1Spec = rolloutSpec(v1, 'v1', { instances: 3 });
    assert.equal(await runtime.runningSpecHash(web), v1Spec.specHash);
    const ctx = context((message) => {
      // Abort once the first old instance has been replaced.
      if (message.startsWith('removed old instance')) ctx.controller.abort();
    });
    await assert.rejects(runtime.deploy(web, rolloutSpec(v2, 'v2', { instances: 3 }), ctx), RolloutCanceledError);
    assert.ok(ctx.lines.some((l) => l.message.startsWith('restored instance')), 'an instance was restored');

    assert.deepEqual(await versionsOf(web.serviceId), ['v1', 'v1', 'v1']);
    assert.equal(await runtime.runningSpecHash(web), v1Spec.specHash);
    const state = await runtime.observe(web);
    assert.equal(state.status, 'RUNNING');
    assert.ok(state.instances.every((i) => i.ready && i.version === 'v1'));
    await eventually('the 3 instances in the route', async () => (await edge.readyUpstreams(web.serviceId)) === 3);
    const [endpoint] = await runtime.endpoints(web);
    for (let i = 0; i < 6; i++) assert.equal(await edge.get(endpoint!), 'v1');
  });

  it('scales up and down', async () => {
    const web = target('roll');
    await runtime.deploy(web, rolloutSpec(v1, 'v1', { instances: 4 }), context());
    assert.deepEqual(await versionsOf(web.serviceId), ['v1', 'v1', 'v1', 'v1']);
    await eventually('4 instances in the route', async () => (await edge.readyUpstreams(web.serviceId)) === 4);
    await runtime.deploy(web, rolloutSpec(v2, 'v2', { instances: 1 }), context());
    assert.deepEqual(await versionsOf(web.serviceId), ['v2']);
    // The instances that went were drained before the deploy ended.
    assert.equal(await edge.readyUpstreams(web.serviceId), 1);
    assert.equal((await runtime.observe(web)).instances.length, 1);
    const [endpoint] = await runtime.endpoints(web);
    await eventually('v2 alone answers', async () => (await edge.get(endpoint!)) === 'v2');
    for (let i = 0; i < 6; i++) assert.equal(await edge.get(endpoint!), 'v2');
  });

  it('a restarted control plane picks up the running instances; the edge serves them throughout', async () => {
    const web = target('roll');
    const [endpoint] = await runtime.endpoints(web);
    const ids = (await containersOf(web.serviceId)).map((c) => c.Id);
    await runtime.close();
    await edge.edge.close();
    // Slipway away: the edge container keeps serving.
    assert.equal(await edge.get(endpoint!), 'v2');

    await edge.reconnect();
    runtime = newRuntime();
    await runtime.start();
    assert.equal(await edge.get(endpoint!), 'v2');
    assert.equal(await edge.readyUpstreams(web.serviceId), 1);
    assert.deepEqual((await containersOf(web.serviceId)).map((c) => c.Id), ids);
    assert.equal((await runtime.observe(web)).status, 'RUNNING');

    const changes: string[] = [];
    const unsubscribe = runtime.watch((serviceId) => changes.push(serviceId));
    await runtime.stop(web, context());
    await eventually('watch reports the stop', async () => changes.includes(web.serviceId));
    unsubscribe();
    assert.equal((await runtime.observe(web)).status, 'STOPPED');

    // Restarted again with the service stopped: no instance says which ports it has, the route
    // the edge holds does; its endpoint stays, answered by the edge.
    await runtime.close();
    await edge.edge.close();
    await edge.reconnect();
    runtime = newRuntime();
    await runtime.start();
    assert.deepEqual(await runtime.endpoints(web), [endpoint]);
    assert.equal((await edge.request(endpoint!.host!)).status, 503);
    // Public http ports never take a host port: only tcp ports, which Docker publishes, do.
    assert.deepEqual(await hostPorts.listHostPorts(web.serviceId), []);
  });
});
