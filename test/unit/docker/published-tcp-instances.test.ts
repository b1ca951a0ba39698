import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { DockerRuntime, type HostPortAllocator } from '../../../src/runtime/docker/docker-runtime.js';
import type { Edge } from '../../../src/runtime/docker/edge.js';
import type { RolloutSpec, ServiceTarget } from '../../../src/runtime/runtime.js';

const target: ServiceTarget = {
  projectId: 'p',
  projectName: 'shop',
  environmentId: 'e',
  environmentName: 'prod',
  serviceId: 's',
  serviceName: 'db',
  serviceType: 'container',
};

function spec(instances: number, protocol: 'tcp' | 'http'): RolloutSpec {
  return {
    image: 'app@sha256:0',
    instances,
    cpu: 0,
    memoryMb: 0,
    env: {},
    ports: [{ containerPort: 5432, public: true, protocol }],
    healthchecks: {},
    storage: [],
    specHash: 'h',
    version: 'v1',
    startTimeoutSeconds: 10,
  };
}

/** An engine that only records what was asked of it. */
const calls: string[] = [];
const engine = new Proxy({}, { get: (_target, name) => (name === 'modem' ? {} : () => void calls.push(String(name))) }) as unknown as Docker;
const context = { signal: new AbortController().signal, log: () => undefined };

test('a service saved with 2 instances and a public tcp port Docker publishes fails its deploy, saying why, before touching the engine', async () => {
  const runtime = new DockerRuntime({ docker: engine, edge: {} as Edge, hostPorts: {} as HostPortAllocator });
  await assert.rejects(runtime.deploy(target, spec(2, 'tcp'), context), /public tcp port 5432 is published by Docker on one container.*set instances to 1 \(2 asked\)/);
  assert.deepEqual(calls, []);
});
