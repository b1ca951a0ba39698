import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { InstanceMonitor, type TrackedInstance } from '../../../src/runtime/docker/instance-monitor.js';
import type { InstanceLabels } from '../../../src/runtime/docker/names-and-labels.js';

/**
 * The monitor against a stand-in for dockerode's container inspect (counted) and a real TCP
 * server on 127.0.0.1 as the instance its readiness probe reaches.
 */

let server: net.Server;
let port = 0;
let probes = 0;

before(async () => {
  server = net.createServer((socket) => {
    probes++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function fakeDocker(startedAt: { value: string }): { docker: Docker; inspects: () => number } {
  let inspects = 0;
  const docker = {
    getContainer: () => ({
      inspect: async () => {
        inspects++;
        return { State: { Running: true, Restarting: false, StartedAt: startedAt.value }, NetworkSettings: { Networks: { bridge: { IPAddress: '127.0.0.1' } } } };
      },
    }),
  } as unknown as Docker;
  return { docker, inspects: () => inspects };
}

function labels(): InstanceLabels {
  return {
    serviceId: 'svc',
    environmentId: 'env',
    index: 0,
    specHash: null,
    version: 'v1',
    ports: [],
    healthchecks: { readiness: { type: 'tcp', port, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } },
    startTimeoutSeconds: 10,
  };
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('with Docker events live, ticks probe without inspecting; an event inspects, and a new start must prove readiness again', async () => {
  const startedAt = { value: '2026-12-02T00:00:00Z' };
  const { docker, inspects } = fakeDocker(startedAt);
  const changes: boolean[] = [];
  const monitor = new InstanceMonitor(docker, { onReadyChange: (i: TrackedInstance) => changes.push(i.ready), eventsLive: () => true });
  try {
    const probesBefore = probes;
    monitor.track('c1', labels(), { ready: true, ip: '127.0.0.1', startedAt: startedAt.value });
    await until('three probes', () => probes - probesBefore >= 3);
    assert.equal(inspects(), 1, 'one inspect when tracking starts, none per tick after it');

    await monitor.checkNow('c1');
    assert.equal(inspects(), 2, 'an event inspects at once');
    assert.deepEqual(changes, [true]);

    // Docker restarted the process: the event's inspect sees a new start.
    startedAt.value = '2026-12-02T00:01:00Z';
    await monitor.checkNow('c1');
    assert.equal(inspects(), 3);
    assert.deepEqual(changes, [true, false, true], 'not ready until its probe passed again');
  } finally {
    monitor.close();
  }
});

test('without live events every tick inspects; after resync() the next tick does', async () => {
  const { docker, inspects } = fakeDocker({ value: '2026-12-02T00:00:00Z' });
  let live = false;
  const monitor = new InstanceMonitor(docker, { onReadyChange: () => undefined, eventsLive: () => live });
  try {
    monitor.track('c2', labels(), { ready: true, ip: '127.0.0.1', startedAt: '2026-12-02T00:00:00Z' });
    await until('three inspects', () => inspects() >= 3);

    live = true;
    const probesBefore = probes;
    await until('two probes with events live', () => probes - probesBefore >= 2);
    const settled = inspects();
    monitor.resync();
    await until('the inspect after resync', () => inspects() === settled + 1);
    const afterResync = probes;
    await until('a probe after that', () => probes > afterResync);
    assert.equal(inspects(), settled + 1, 'one inspect for the resync, then ticks only probe');
  } finally {
    monitor.close();
  }
});
