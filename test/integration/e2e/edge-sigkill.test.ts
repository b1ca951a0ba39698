import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Docker from 'dockerode';
import { CaddyAdmin } from '../../../src/runtime/docker/caddy/caddy-admin.js';
import { adminSocketPath } from '../../../src/runtime/docker/caddy/edge-container.js';
import { EdgeClient } from '../../support/edge-client.js';
import { allContainers, appService, cleanupEnvironments, connect, edgePorts, eventually, startSlipway, uniqueName, type Slipway } from './helpers.js';
import { runAction } from './run-action.js';

/**
 * The Caddy edge outlives the Slipway process (docs/edge.md): a client sends requests to two
 * deployed services through the edge while the server is SIGKILLed and, 20 s later, started
 * again: no request fails, and the new server takes the edge over without restarting anything
 * or changing its configuration.
 */

const docker = new Docker();
let slipway: Slipway;
let dataDir = '';
const environments = new Set<string>();
let client: EdgeClient;

before(async () => {
  slipway = await startSlipway({
    edgePorts: edgePorts(41),
    name: 'edge-sigkill',
  });
  client = new EdgeClient(slipway.server.edge.httpPort);
  dataDir = slipway.server.options.dataDir;
});

after(async () => {
  client?.close();
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

test('SIGKILL the server while two services are used through the edge: 0 failed requests; the new server changes nothing', async () => {
  const project = await slipway.api.createProject(uniqueName('edge'));
  const env = await slipway.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  const hosts: string[] = [];
  const ids: string[] = [];
  for (const name of ['front', 'back']) {
    const service = await slipway.api.createService(env.id, appService(name));
    const outcome = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'deploy'));
    assert.equal(outcome.detail.status, 'SUCCESS');
    const endpoint = await eventually(`the endpoint of ${name}`, async () => (await slipway.api.service(service.id)).endpoints[0]);
    assert.equal(endpoint.host, `${name}-prod-${project.name}.localhost`);
    assert.match(endpoint.url, new RegExp(`^(http://${endpoint.host}:${slipway.server.edge.httpPort}|https://${endpoint.host}:${slipway.server.edge.httpsPort})$`));
    hosts.push(endpoint.host!);
    ids.push(service.id);
  }
  await eventually('both hosts answer', async () => (await Promise.all(hosts.map((h) => client.get(h)))).every((r) => r.body === 'v1'));
  const admin = new CaddyAdmin(adminSocketPath(join(dataDir, 'edge')));
  const configBefore = await admin.config();
  const edgeBefore = (await docker.getContainer(slipway.server.edge.container).inspect()).Id;
  const instancesBefore = (await Promise.all(ids.map((id) => allContainers(id)))).flat().map((c) => c.Id).sort();

  const loads = hosts.map((h) => client.hammer(h));
  await eventually('traffic flows', async () => loads.every((l) => l.answered() > 20));
  slipway.events.close();
  await slipway.server.kill();
  const whileDown = loads.map((l) => l.answered());
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  const server = await slipway.server.restart();
  slipway = await connect(server);
  await eventually('the restarted server is ready', async () => (await fetch(`${server.url}/readyz`)).ok);
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const stats = await Promise.all(loads.map((l) => l.stop()));

  assert.deepEqual(stats.map((s) => s.failed), [[], []]);
  loads.forEach((l, i) => assert.ok(l.answered() > whileDown[i]! + 100, `requests answered while the server was down: ${l.answered() - whileDown[i]!}`));
  assert.deepEqual(await admin.config(), configBefore);
  assert.equal((await docker.getContainer(slipway.server.edge.container).inspect()).Id, edgeBefore);
  assert.deepEqual((await Promise.all(ids.map((id) => allContainers(id)))).flat().map((c) => c.Id).sort(), instancesBefore);
});
