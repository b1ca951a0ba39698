import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allContainers, appService, cleanupEnvironments, docker, edgePorts, endpointOf, httpGet, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';
import { runAction } from './run-action.js';

/** Stop keeps volumes: a file written on a service's volume is there again after Stop + Redeploy. */

let slipway: Slipway;
const environments = new Set<string>();

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(3), name: 'volume' });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

/** Runs a command in a container and resolves with its exit code. */
async function exec(containerId: string, cmd: string[]): Promise<number> {
  const execution = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await execution.start({});
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
    stream.resume();
  });
  return (await execution.inspect()).ExitCode ?? -1;
}

test('Stop then Redeploy keeps the data of a volume', async () => {
  const project = await slipway.api.createProject(uniqueName('vol'));
  const env = await slipway.api.createEnvironment(project.id, 'prod');
  environments.add(env.id);
  const service = await slipway.api.createService(env.id, appService('files', { settings: { storage: [{ mountPath: '/data', sizeGb: 1 }] } }));

  const deployed = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'deploy'));
  assert.equal(deployed.detail.status, 'SUCCESS', deployed.detail.message ?? '');
  const [container] = await runningContainers(service.id);
  assert.ok(container, 'a running container');
  assert.ok(
    container.Mounts.some((m) => m.Type === 'volume' && m.Destination === '/data'),
    `a named volume on /data: ${JSON.stringify(container.Mounts)}`,
  );
  const written = `kept-${Date.now()}`;
  assert.equal(await exec(container.Id, ['sh', '-c', `printf '%s' ${written} > /data/proof.txt`]), 0);
  const endpoint = await endpointOf(slipway.api, service.id);
  assert.equal(await httpGet(`${endpoint}/data/proof.txt`), written);

  const stopped = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'stop'));
  assert.equal(stopped.detail.status, 'SUCCESS', stopped.detail.message ?? '');
  assert.deepEqual(stopped.path, ['STOP_QUEUED', 'STOPPING', 'STOPPED']);
  assert.deepEqual(await allContainers(service.id), [], 'no container while stopped');

  const redeployed = await runAction(slipway, service.id, () => slipway.api.act(service.id, 'redeploy'));
  assert.equal(redeployed.detail.status, 'SUCCESS', redeployed.detail.message ?? '');
  assert.deepEqual(redeployed.path, ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
  const [fresh] = await runningContainers(service.id);
  assert.ok(fresh && fresh.Id !== container.Id, 'a new container');
  assert.equal(await httpGet(`${endpoint}/data/proof.txt`), written, 'the file survived Stop + Redeploy');
  assert.equal(await exec(fresh.Id, ['sh', '-c', `[ "$(cat /data/proof.txt)" = ${written} ]`]), 0);
});
