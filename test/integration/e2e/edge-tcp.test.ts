import assert from 'node:assert/strict';
import { connect as tcpConnect, createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { APP_PORT } from '../../support/images.js';
import { appService, cleanupEnvironments, connect, edgePorts, startSlipway, uniqueName, type Slipway } from './helpers.js';
import { runAction } from './run-action.js';

/**
 * With the Caddy edge, a public tcp port is published by Docker on the instance itself
 * (docs/edge.md#tcp-ports), so it answers while the Slipway process is gone. One host port is
 * held by one container: a Redeploy is stop-first on the same host port, and two instances
 * are refused with the reason (the runtime's own refusal: test/unit/docker/published-tcp-instances.test.ts). A host port another program holds is skipped for another.
 */

const docker = new Docker();
const RANGE = edgePorts(44);
const RANGE_FROM = Number(RANGE.split('-')[0]);
let slipway: Slipway;
const environments = new Set<string>();
let environmentId = '';

function tcpService(name: string, instances = 1) {
  return appService(name, { instances, settings: { ports: [{ containerPort: APP_PORT, public: true, protocol: 'tcp' }] } });
}

/** An HTTP/1.0 GET written on a plain tcp connection to 127.0.0.1:port: the body, or the error. */
function rawGet(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer in 5 s')));
    socket.on('connect', () => socket.write('GET / HTTP/1.0\r\nHost: tcp-test\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    socket.on('error', (error) => resolve(`error: ${error.message}`));
    socket.on('close', () => resolve(reply.includes('\r\n\r\n') ? reply.slice(reply.indexOf('\r\n\r\n') + 4) : `error: ${JSON.stringify(reply)}`));
  });
}

function portOf(url: string): number {
  const match = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(url);
  assert.ok(match, `a tcp endpoint on 127.0.0.1: ${url}`);
  return Number(match[1]);
}

async function logOf(deploymentId: string): Promise<string> {
  return (await slipway.api.logs(deploymentId)).items.map((l) => l.message).join('\n');
}

before(async () => {
  slipway = await startSlipway({
    edgePorts: RANGE,
    name: 'edge-tcp',
  });
  const project = await slipway.api.createProject(uniqueName('tcp'));
  environmentId = (await slipway.api.createEnvironment(project.id, 'prod')).id;
  environments.add(environmentId);
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

test('a public tcp port is published by Docker: it answers while Slipway is killed, and a Redeploy keeps its host port', async () => {
  const service = await slipway.api.createService(environmentId, tcpService('db'));
  const first = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'deploy'));
  assert.equal(first.detail.status, 'SUCCESS');
  const [endpoint] = (await slipway.api.service(service.id)).endpoints;
  assert.equal(endpoint?.protocol, 'tcp');
  const port = portOf(endpoint!.url);
  const [container] = await docker.listContainers({ filters: { label: [`slipway.service=${service.id}`] } });
  const bindings = (await docker.getContainer(container!.Id).inspect()).HostConfig.PortBindings as Record<string, Array<{ HostPort: string }>>;
  assert.deepEqual(bindings[`${APP_PORT}/tcp`]?.map((b) => b.HostPort), [String(port)], 'Docker publishes the host port on the instance');
  assert.equal(await rawGet(port), 'v1');

  // Nothing of Slipway's process is in the path.
  slipway.events.close();
  await slipway.server.kill();
  assert.equal(await rawGet(port), 'v1', 'answered while Slipway is gone');
  slipway = await connect(await slipway.server.restart());

  const second = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'deploy', { version: 'v2' }));
  assert.equal(second.detail.status, 'SUCCESS');
  assert.match(await logOf(second.accepted.deploymentId), /stop-first: its public tcp port is published on one container/);
  assert.equal(portOf((await slipway.api.service(service.id)).endpoints[0]!.url), port);
  assert.equal(await rawGet(port), 'v2');
});

test('two instances with a public tcp port Docker publishes are refused, naming the field', async () => {
  const refused = await slipway.api.call('POST', `/environments/${environmentId}/services`, tcpService('pair', 2));
  assert.equal(refused.status, 400);
  assert.match(JSON.stringify(refused.body), /body\/settings\/instances.*public tcp port 8080 is published by Docker on one container/);
});

test('a host port another program listens on is skipped: the service is published on another one', async (t) => {
  // Every port at the start of the range that can be listened on now is held by "another program".
  const held: Server[] = [];
  for (let port = RANGE_FROM; port < RANGE_FROM + 5; port++) {
    const server = createServer();
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ port, host: '0.0.0.0' }, () => resolve(true));
    });
    if (listening) held.push(server);
  }
  t.after(() => held.forEach((s) => s.close()));
  const heldPorts = held.map((s) => (s.address() as { port: number }).port);
  assert.ok(heldPorts.length > 0);

  const service = await slipway.api.createService(environmentId, tcpService('cache'));
  const outcome = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'deploy'));
  assert.equal(outcome.detail.status, 'SUCCESS');
  const port = portOf((await slipway.api.service(service.id)).endpoints[0]!.url);
  assert.ok(!heldPorts.includes(port), `published on ${port}, not one of the held ${heldPorts.join(', ')}`);
  assert.match(await logOf(outcome.accepted.deploymentId), new RegExp(`host port ${heldPorts[0]} is taken by another program`));
  assert.equal(await rawGet(port), 'v1');
});
