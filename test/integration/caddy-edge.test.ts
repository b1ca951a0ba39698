/**
 * The Caddy edge (docs/edge.md) against the real engine and a real Caddy (the test image
 * scripts/services/caddy-image.sh builds): host routing, a rolling redeploy under load with
 * zero failed requests, the edge serving on while Slipway is away, a new Slipway taking over
 * without changing anything, 503 for a stopped service and 404 once it is deleted.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaddyAdmin } from '../../src/runtime/docker/caddy/caddy-admin.js';
import { adminSocketPath } from '../../src/runtime/docker/caddy/edge-container.js';
import { CaddyEdge } from '../../src/runtime/docker/caddy-edge.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import type { ServiceTarget } from '../../src/runtime/runtime.js';
import { EdgeClient } from '../support/edge-client.js';
import { APP_PORT, testImages } from '../support/images.js';
import { cleanup, containersOf, context, docker, eventually, portBlock, memoryHostPorts, ownedByThisRun, rolloutSpec, runId, target } from './docker-runtime-fixture.js';

const EDGE_NAME = `${runId}-edge`;
describe('Caddy edge', () => {
  const hostPorts = memoryHostPorts();
  const { range, edgePort: httpPort } = portBlock(2);
  const hosts = new Map<string, string>();
  let runDir = '';
  let runtime: DockerRuntime;
  let edge: CaddyEdge;
  let v1 = '';
  let v2 = '';
  const client = new EdgeClient(httpPort);
  const edgeGet = (_port: number, host: string) => client.get(host);
  const hammer = (_port: number, host: string) => client.hammer(host);

  const hostOf = (service: ServiceTarget): string => `${service.serviceName}-${service.environmentName}-${service.projectName}.localhost`;
  const newEdge = (): CaddyEdge =>
    new CaddyEdge({
      docker,
      image: testImages.caddy.ref,
      name: EDGE_NAME,
      httpPort,
      httpsPort: httpPort + 1,
      bindHost: '127.0.0.1',
      runDir,
      hostsOf: async (serviceId) => (hosts.has(serviceId) ? [hosts.get(serviceId)!] : []),
      retryMs: 500,
    });
  const newRuntime = (e: CaddyEdge): DockerRuntime =>
    new DockerRuntime({ owns: ownedByThisRun, edge: e, hostPorts, publicHost: '127.0.0.1', hostPortRange: range, drainTimeoutMs: 5000, stopTimeoutSeconds: 2 });

  before(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'sw-edge-'));
    edge = newEdge();
    await edge.start();
    assert.equal(edge.status().available, true, edge.status().message);
    runtime = newRuntime(edge);
    await runtime.start();
    v1 = await runtime.resolveImage(testImages.appV1, context());
    v2 = await runtime.resolveImage(testImages.appV2, context());
  });

  after(async () => {
    await runtime?.close();
    await edge?.close();
    client.close();
    await docker.getContainer(EDGE_NAME).remove({ force: true }).catch(() => undefined);
    for (const volume of [`${EDGE_NAME}-data`, `${EDGE_NAME}-config`]) await docker.getVolume(volume).remove().catch(() => undefined);
    await cleanup();
    await rm(runDir, { recursive: true, force: true });
  });

  it('runs the edge as its own container, restart unless-stopped, admin API on a unix socket only', async () => {
    const info = await docker.getContainer(EDGE_NAME).inspect();
    assert.equal(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
    assert.deepEqual(info.HostConfig.PortBindings, {
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(httpPort) }],
      '443/tcp': [{ HostIp: '127.0.0.1', HostPort: String(httpPort + 1) }],
    });
    const config = (await new CaddyAdmin(adminSocketPath(runDir)).config()) as { admin: { listen: string } };
    assert.match(config.admin.listen, /^unix\//);
  });

  it('routes a service by its host name; an unknown host is 404', async () => {
    const web = target('web');
    hosts.set(web.serviceId, hostOf(web));
    await runtime.deploy(web, rolloutSpec(v1, 'v1'), context());
    await eventually('the route', async () => (await edgeGet(httpPort, hostOf(web))).status === 200);
    assert.deepEqual(await edgeGet(httpPort, hostOf(web)), { status: 200, body: 'v1' });
    assert.equal((await edgeGet(httpPort, 'nobody.localhost')).status, 404);
  });

  it('serves https with a certificate of the edge CA naming the host; the endpoint turns https once it is issued', async () => {
    const web = target('web');
    const [endpoint] = await eventually('an issued certificate', async () => {
      const endpoints = await runtime.endpoints(web);
      return endpoints[0]?.tls?.status === 'ISSUED' ? endpoints : undefined;
    });
    assert.equal(endpoint!.url, `https://${hostOf(web)}:${httpPort + 1}`);
    assert.equal(endpoint!.host, hostOf(web));
    assert.ok(Date.parse(endpoint!.tls!.notAfter!) > Date.now());
    const ca = await new CaddyAdmin(adminSocketPath(runDir)).rootCertificate();
    const { body, subjectAltName } = await new Promise<{ body: string; subjectAltName: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: httpPort + 1, servername: hostOf(web), headers: { host: hostOf(web) }, ca, path: '/' }, (res) => {
        let text = '';
        const san = (res.socket as TLSSocket).getPeerCertificate().subjectaltname ?? '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ body: text, subjectAltName: san }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'v1');
    assert.equal(subjectAltName, `DNS:${hostOf(web)}`);
    // Plain http still answers too.
    assert.deepEqual(await edgeGet(httpPort, hostOf(web)), { status: 200, body: 'v1' });
  });

  it('rolls 3 instances from v1 to v2 and back under load with zero failed requests, without loading a configuration', async () => {
    const roll = target('roll');
    hosts.set(roll.serviceId, hostOf(roll));
    await runtime.deploy(roll, rolloutSpec(v1, 'v1', { instances: 3 }), context());
    const admin = new CaddyAdmin(adminSocketPath(runDir));
    const configured = await admin.config();
    const load = hammer(httpPort, hostOf(roll));
    await eventually('first answers', async () => (load.stats.bodies.get('v1') ?? 0) > 10);
    await runtime.deploy(roll, rolloutSpec(v2, 'v2', { instances: 3 }), context());
    await eventually('v2 answers', async () => (load.stats.bodies.get('v2') ?? 0) > 10);
    // Back to v1: the instances take the edge slots the first ones held.
    const v2Answers = load.stats.bodies.get('v2') ?? 0;
    await runtime.deploy(roll, rolloutSpec(v1, 'v1b', { instances: 3 }), context());
    const v1Answers = load.stats.bodies.get('v1') ?? 0;
    await eventually('v1 answers again', async () => (load.stats.bodies.get('v1') ?? 0) > v1Answers + 10);
    const stats = await load.stop();
    assert.deepEqual(stats.failed, [], `answered: ${JSON.stringify([...stats.bodies])}`);
    assert.ok((stats.bodies.get('v2') ?? 0) >= v2Answers && v2Answers > 0, JSON.stringify([...stats.bodies]));
    // Instances came and went by their ready files: the configuration Caddy runs never changed.
    assert.deepEqual(await admin.config(), configured);
  });

  it('keeps serving while Slipway is away; a new Slipway takes over without a change', async () => {
    const web = target('web');
    const before = await new CaddyAdmin(adminSocketPath(runDir)).config();
    const edgeId = (await docker.getContainer(EDGE_NAME).inspect()).Id;
    const instances = (await containersOf(web.serviceId)).map((c) => c.Id).sort();
    const load = hammer(httpPort, hostOf(web));
    // Slipway stops: the runtime and the edge client go, the edge container stays.
    await runtime.close();
    await edge.close();
    const served = load.stats.bodies.get('v1') ?? 0;
    await eventually('answers while Slipway is away', async () => (load.stats.bodies.get('v1') ?? 0) > served + 50);
    // Slipway starts again.
    edge = newEdge();
    await edge.start();
    runtime = newRuntime(edge);
    await runtime.start();
    const stats = await load.stop();
    assert.deepEqual(stats.failed, []);
    assert.deepEqual(await new CaddyAdmin(adminSocketPath(runDir)).config(), before);
    assert.equal((await docker.getContainer(EDGE_NAME).inspect()).Id, edgeId);
    assert.deepEqual((await containersOf(web.serviceId)).map((c) => c.Id).sort(), instances);
    assert.deepEqual(await edgeGet(httpPort, hostOf(web)), { status: 200, body: 'v1' });
  });

  it('answers 503 with a page for a stopped service and serves it again once deployed, loading no configuration; 404 once it is deleted', async () => {
    const web = target('web');
    const admin = new CaddyAdmin(adminSocketPath(runDir));
    const configured = await admin.config();
    await runtime.stop(web, context());
    const stopped = await eventually('the 503 page', async () => {
      const answer = await edgeGet(httpPort, hostOf(web));
      return answer.status === 503 ? answer : undefined;
    });
    assert.match(stopped.body, /Service unavailable/);
    assert.deepEqual(await admin.config(), configured, 'stopped by its ready files, not a load');
    await runtime.deploy(web, rolloutSpec(v1, 'v1'), context());
    await eventually('served again', async () => (await edgeGet(httpPort, hostOf(web))).body === 'v1');
    // Its last instance gone and its first one back came and went by ready files only.
    assert.deepEqual(await admin.config(), configured);
    await runtime.delete(web, { keepData: false }, context());
    assert.equal((await edgeGet(httpPort, hostOf(web))).status, 404);
  });

  it('a port turned from http to tcp leaves Caddy and is published by Docker on its host port', async () => {
    const svc = target('switch');
    hosts.set(svc.serviceId, hostOf(svc));
    await runtime.deploy(svc, rolloutSpec(v1, 'v1'), context());
    await eventually('served by its host name', async () => (await edgeGet(httpPort, hostOf(svc))).body === 'v1');
    await runtime.deploy(svc, rolloutSpec(v1, 'v1-tcp', { ports: [{ containerPort: APP_PORT, public: true, protocol: 'tcp' }] }), context());
    assert.equal((await edgeGet(httpPort, hostOf(svc))).status, 404, 'its host name is no longer routed');
    const [endpoint] = await runtime.endpoints(svc);
    assert.equal(endpoint?.protocol, 'tcp');
    assert.equal(await (await fetch(`http://127.0.0.1:${endpoint!.port}/`)).text(), 'v1', 'the published port answers');
    await runtime.delete(svc, { keepData: false }, context());
  });

  it('an edge image that cannot be pulled leaves the edge down, saying so, and is tried again', async () => {
    const logs: string[] = [];
    const down = new CaddyEdge({
      docker,
      image: `${testImages.caddy.name}:no-such-tag`,
      name: `${EDGE_NAME}-down`,
      httpPort: httpPort + 2,
      httpsPort: httpPort + 3,
      bindHost: '127.0.0.1',
      runDir: join(runDir, 'down'),
      hostsOf: async () => ['x.localhost'],
      retryMs: 100,
      log: (message) => logs.push(message),
    });
    try {
      await down.start();
      const status = down.status();
      assert.equal(status.available, false);
      assert.match(status.message ?? '', /cannot pull the edge image .*no-such-tag \(set SLIPWAY_EDGE_IMAGE [^)]*\)/);
      assert.match(logs.join('\n'), /edge down: cannot pull/);
      // Routes opened meanwhile are kept for when it comes up; nothing throws.
      await down.openRoute({ serviceId: 'x', containerPort: 80 });
      // The image appears: a later attempt brings the edge up with the route.
      await docker.getImage(testImages.caddy.ref).tag({ repo: testImages.caddy.name, tag: 'no-such-tag' });
      await eventually('the edge up', async () => down.status().available, 30_000);
      type Routes = { apps: { http: { servers: { slipway: { routes: Array<Record<string, unknown>> } } } } };
      const admin = new CaddyAdmin(adminSocketPath(join(runDir, 'down')));
      await eventually('the route loaded', async () => ((await admin.config()) as Routes).apps.http.servers.slipway.routes[0]!['@id'] === 'slipway|x|80');
    } finally {
      await down.close();
      await docker.getContainer(`${EDGE_NAME}-down`).remove({ force: true }).catch(() => undefined);
      for (const volume of [`${EDGE_NAME}-down-data`, `${EDGE_NAME}-down-config`]) await docker.getVolume(volume).remove().catch(() => undefined);
      await docker.getImage(`${testImages.caddy.name}:no-such-tag`).remove().catch(() => undefined);
    }
  });

  it('an edge port another program holds leaves the edge down, naming the setting; freed, the edge comes up', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(httpPort + 4, '127.0.0.1', resolve));
    const name = `${EDGE_NAME}-port`;
    const blocked = new CaddyEdge({
      docker,
      image: testImages.caddy.ref,
      name,
      httpPort: httpPort + 4,
      httpsPort: httpPort + 5,
      bindHost: '127.0.0.1',
      runDir: join(runDir, 'port'),
      hostsOf: async () => [],
      retryMs: 100,
    });
    try {
      await blocked.start();
      const status = blocked.status();
      assert.equal(status.available, false);
      assert.match(status.message ?? '', new RegExp(`cannot start the edge container ${name} on host ports ${httpPort + 4} and ${httpPort + 5} \\(SLIPWAY_EDGE_HTTP_PORT, SLIPWAY_EDGE_HTTPS_PORT\\)`));
      await new Promise<void>((resolve) => taken.close(() => resolve()));
      await eventually('the edge up once the port is free', async () => blocked.status().available, 30_000);
    } finally {
      taken.close();
      await blocked.close();
      await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
      for (const volume of [`${name}-data`, `${name}-config`]) await docker.getVolume(volume).remove().catch(() => undefined);
    }
  });

  it('leaves an environment network before it is removed', async () => {
    const other = target('solo', 'other');
    hosts.set(other.serviceId, hostOf(other));
    await runtime.deploy(other, rolloutSpec(v1, 'v1'), context());
    await eventually('the route', async () => (await edgeGet(httpPort, hostOf(other))).body === 'v1');
    await runtime.delete(other, { keepData: false }, context());
    await runtime.deleteEnvironment(other, context());
    const networks = await docker.listNetworks({ filters: { name: [`slipway-${other.environmentId}`] } });
    assert.deepEqual(networks, []);
  });
});

