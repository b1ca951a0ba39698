import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { DockerRuntime } from '../../../src/runtime/docker/docker-runtime.js';
import type { Edge } from '../../../src/runtime/docker/edge.js';
import type { HostPortAllocator } from '../../../src/runtime/docker/docker-runtime.js';

test('the Docker events stream is opened once however often it is asked for, and closed with the runtime', async () => {
  const streams: PassThrough[] = [];
  let answer: (() => void) | undefined;
  // An engine whose event stream takes a moment to answer.
  const docker = {
    modem: { socketPath: '/var/run/docker.sock' },
    getEvents: () =>
      new Promise<PassThrough>((resolve) => {
        const stream = new PassThrough();
        streams.push(stream);
        answer = () => resolve(stream);
      }),
  } as unknown as Docker;
  const runtime = new DockerRuntime({ docker, edge: {} as Edge, hostPorts: {} as HostPortAllocator });
  // The engine's own watch and the start's adopt both ask for it while the first call is on its way.
  runtime.watch(() => undefined);
  runtime.watch(() => undefined);
  assert.equal(streams.length, 1, 'one getEvents call');
  answer!();
  await new Promise((resolve) => setImmediate(resolve));
  await runtime.close();
  assert.equal(streams[0]!.destroyed, true, 'closed with the runtime');
});
