import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ServiceView } from '../../support/api-client.js';
import { SocketProxy } from '../../support/socket-proxy.js';
import { GitRepo } from '../build/git-repo.js';
import { testKubeconfig } from '../kubernetes/fixture.js';
import { appService, cleanupEnvironments, edgePorts, endpointOf, eventually, httpGet, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * Slipway started while its Docker Engine does not answer (DOCKER_HOST names a socket nobody
 * listens on) stays up and says so: in its log, in /readyz (503 naming the address and the
 * fix), in a deploy's error; reads of a docker service answer 200 with UNKNOWN and no
 * endpoints; a kubernetes environment keeps working (the test control plane). Then the socket
 * appears (a proxy to the real engine): Slipway connects on its own, logs it once, and the same
 * deploy succeeds.
 */

const DOCKER_SOCKET = '/var/run/docker.sock';
const socketPath = join(tmpdir(), `slipway-docker-${randomBytes(4).toString('hex')}.sock`);
const address = `unix://${socketPath}`;
let slipway: Slipway | undefined;
let proxy: SocketProxy | undefined;
const environments = new Set<string>();
let repo: GitRepo | undefined;

/** An application built from a git repository (the image build needs the engine too). */
function gitApp(name: string) {
  return {
    name,
    type: 'application',
    source: { git: { url: repo!.fileUrl, branch: 'main', rootPath: '/' } },
    settings: { memoryMb: 32, cpu: 100 },
  };
}

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(23), name: 'missing-docker', env: { DOCKER_HOST: address, SLIPWAY_KUBECONFIG: testKubeconfig() } });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await proxy?.close();
  rmSync(socketPath, { force: true });
  if (repo) rmSync(repo.root, { recursive: true, force: true });
  await cleanupEnvironments(environments);
});

test('without Docker the server serves and says why; once Docker answers it connects and deploys', async () => {
  const { api, server } = slipway!;

  // The log says what is wrong and how to fix it.
  const outage = await server.waitForRecord((r) => typeof r.msg === 'string' && r.msg.includes('Docker Engine is unreachable'), 10_000);
  assert.match(String(outage.msg), new RegExp(`${address}.*start Docker, or set DOCKER_HOST`));

  // /readyz: 503 naming the dependency, its address and the fix.
  const notReady = await fetch(`${server.url}/readyz`);
  assert.equal(notReady.status, 503);
  const body = (await notReady.json()) as { error: { code: string; message: string; details: Array<{ name: string; address: string }> } };
  assert.equal(body.error.code, 'UPSTREAM_UNAVAILABLE');
  assert.match(body.error.message, /DOCKER_HOST/);
  // The edge runs on that engine too, so it is down with it.
  assert.deepEqual(
    body.error.details.map((d) => d.name),
    ['docker', 'edge'],
  );
  assert.equal(body.error.details[0]?.address, address);
  assert.match(body.error.details[1]?.address ?? '', new RegExp(`^container ${server.edge.container} `));

  // The API serves; a docker deploy ends in error naming the address.
  const project = await api.createProject(uniqueName('nodocker'));
  const environment = await api.createEnvironment(project.id, 'staging');
  environments.add(environment.id);
  const service = await api.createService(environment.id, appService('web'));
  assert.deepEqual(service.endpoints, []);
  await api.act(service.id, 'deploy');
  const failed = await eventually('the deploy to end in error', async () => {
    const s = await api.service(service.id);
    return s.state === 'DEPLOYMENT_ERROR' ? s : undefined;
  });
  assert.match(failed.statusMessage ?? '', new RegExp(`Docker Engine is unreachable at ${address}.*DOCKER_HOST`));
  assert.equal(failed.runningState.status, 'UNKNOWN');
  assert.deepEqual(failed.endpoints, []);
  const list = await api.expect<{ items: ServiceView[] }>(200, 'GET', `/environments/${environment.id}/services`);
  assert.equal(list.items[0]?.runningState.status, 'UNKNOWN');

  // A kubernetes environment does not need the Docker Engine: it deploys meanwhile.
  const cluster = await api.expect<{ id: string }>(201, 'POST', `/projects/${project.id}/environments`, { name: 'cluster', runtime: 'kubernetes' });
  const onCluster = await api.createService(cluster.id, appService('web', { public: false }));
  const clusterDeploy = await api.waitForDeployment((await api.act(onCluster.id, 'deploy')).deploymentId, 90_000);
  assert.equal(clusterDeploy.status, 'SUCCESS', JSON.stringify(clusterDeploy));
  assert.equal((await api.service(onCluster.id)).state, 'DEPLOYED');
  await api.expect(202, 'DELETE', `/environments/${cluster.id}`);
  await eventually('the kubernetes environment to be deleted', async () => (await api.call('GET', `/environments/${cluster.id}`)).status === 404, 90_000);
  assert.ok(!server.exited);

  // A git application: its image build needs the engine, and says so.
  repo = new GitRepo();
  repo.writeApp('', 'v1');
  repo.commit('v1');
  const app = await api.createService(environment.id, gitApp('app'));
  await api.act(app.id, 'deploy');
  const unbuilt = await eventually('the build to end in error', async () => {
    const s = await api.service(app.id);
    return s.state === 'BUILD_ERROR' || s.state === 'DEPLOYMENT_ERROR' ? s : undefined;
  });
  assert.match(unbuilt.statusMessage ?? '', new RegExp(`Docker Engine is unreachable at ${address}.*DOCKER_HOST`));

  // Docker answers again: one "connected" line, /readyz 200, and the deploy works.
  proxy = await SocketProxy.listen({ path: socketPath }, { path: DOCKER_SOCKET });
  await server.waitForRecord((r) => r.msg === `connected to the Docker Engine at ${address}`, 30_000);
  await eventually('/readyz to answer 200', async () => (await fetch(`${server.url}/readyz`)).status === 200);
  await api.act(service.id, 'redeploy');
  const deployed = await eventually('the deploy to succeed', async () => {
    const s = await api.service(service.id);
    if (s.state === 'DEPLOYMENT_ERROR' && !s.statusMessage?.includes('unreachable')) throw new Error(`deploy failed: ${s.statusMessage}`);
    return s.state === 'DEPLOYED' ? s : undefined;
  }, 60_000);
  assert.equal(deployed.runningState.status, 'RUNNING');
  assert.equal(await httpGet(await endpointOf(api, service.id)), 'v1');
  const connectedLines = () => server.records.filter((r) => typeof r.msg === 'string' && r.msg.startsWith('connected to the Docker Engine')).length;
  assert.equal(connectedLines(), 1);

  // Docker goes away while Slipway runs, and comes back: noticed, then connected again; the
  // service kept running and still answers through its endpoint.
  await proxy.close();
  proxy = undefined;
  rmSync(socketPath, { force: true });
  await eventually('/readyz to answer 503', async () => (await fetch(`${server.url}/readyz`)).status === 503, 30_000);
  proxy = await SocketProxy.listen({ path: socketPath }, { path: DOCKER_SOCKET });
  await eventually('a second connected line', async () => connectedLines() === 2, 30_000);
  await eventually('/readyz to answer 200', async () => (await fetch(`${server.url}/readyz`)).status === 200);
  assert.equal(await httpGet(await endpointOf(api, service.id)), 'v1');
  assert.equal((await api.service(service.id)).state, 'DEPLOYED');
});
