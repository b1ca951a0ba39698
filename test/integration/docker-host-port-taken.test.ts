import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { APP_PORT, testImages } from '../support/images.js';
import { cleanup, containersOf, context, get, portBlock, rolloutSpec, target } from './docker-runtime-fixture.js';
import { startTestEdge, type TestEdge } from './docker-test-edge.js';

/**
 * A host port taken by another program when Docker is to publish a public tcp port on it
 * (docs/runtimes.md#docker): the deploy moves the port to another port of the range and records
 * it, instead of failing now and at every later deploy.
 */

let dir: string;
let store: Store;
let edge: TestEdge;
let runtime: DockerRuntime;
let squatter: net.Server | undefined;
const { range, edgePort } = portBlock(4);

/** A plain server of this test holding the first port of the range (the one the store hands out first). */
async function holdFirstPort(): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end('not slipway'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: range.from }, () => resolve());
  });
  return server;
}

before(async () => {
  squatter = await holdFirstPort();
  dir = await mkdtemp(join(tmpdir(), 'slipway-port-taken-'));
  store = await createStore({ dataDir: dir, secretKey: 'port-taken-key' });
  edge = await startTestEdge(edgePort);
  runtime = new DockerRuntime({ edge: edge.edge, hostPorts: store, publicHost: '127.0.0.1', hostPortRange: range, drainTimeoutMs: 2000, stopTimeoutSeconds: 2 });
  await runtime.start();
});

after(async () => {
  await new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve()));
  await runtime?.close();
  // The edge container first: a network it is on cannot be removed.
  await edge?.remove();
  await cleanup();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

test('a deploy whose allocated host port is taken by another program publishes on another port, and the endpoint says which', async () => {
  const project = await store.createProject({ name: 'ports' });
  const env = await store.createEnvironment({ projectId: project.id, name: 'env', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  const service = await store.createService({
    environmentId: env.id,
    name: 'web',
    type: 'container',
    source: { image: testImages.appV1 },
    settings: DEFAULT_SERVICE_SETTINGS,
  });
  // The port the store would hand out first is held by the test's plain server (before()).
  const web = { ...target('web'), serviceId: service.id };
  const image = await runtime.resolveImage(testImages.appV1, context());
  const ctx = context();
  // A public tcp port (the app speaks http, which a tcp port carries as any other bytes).
  const tcp = { ports: [{ containerPort: APP_PORT, public: true, protocol: 'tcp' as const }] };
  await runtime.deploy(web, rolloutSpec(image, 'v1', tcp), ctx);

  const [endpoint] = await runtime.endpoints(web);
  assert.ok(endpoint, 'the service has an endpoint');
  assert.equal(endpoint.protocol, 'tcp');
  assert.notEqual(endpoint.port, range.from);
  assert.ok(endpoint.port > range.from && endpoint.port <= range.to, `port ${endpoint.port} is in the range`);
  assert.equal(endpoint.url, `tcp://127.0.0.1:${endpoint.port}`);
  // Docker publishes it on the instance itself, and it answers there.
  const [container] = await containersOf(service.id);
  // One binding per address family (0.0.0.0 and ::), both the same port.
  const published = new Set((container!.Ports ?? []).filter((p) => p.PublicPort).map((p) => `${p.PrivatePort}->${p.PublicPort}`));
  assert.deepEqual([...published], [`${APP_PORT}->${endpoint.port}`]);
  assert.equal(await get(`http://127.0.0.1:${endpoint.port}/`), 'v1');
  assert.deepEqual((await store.listHostPorts(service.id)).map((p) => p.hostPort), [endpoint.port], 'the new port is recorded');
  assert.ok(ctx.lines.some((l) => l.level === 'warn' && l.message.includes(`host port ${range.from} is taken`)), JSON.stringify(ctx.lines));

  // A later deploy keeps the new port.
  await runtime.deploy(web, rolloutSpec(image, 'v1', { ...tcp, env: { GREETING: 'again' } }), context());
  const [again] = await runtime.endpoints(web);
  assert.equal(again?.port, endpoint.port);
  assert.equal(await get(`http://127.0.0.1:${endpoint.port}/env.txt`), 'again');
});
