import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APP_PORT, testImages, testRegistry } from '../../support/images.js';
import { GitRepo } from '../build/git-repo.js';
import { appService, cleanupEnvironments, docker, edgePorts, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * A cloned environment on real Docker (docs/teams.md#clone): an environment with a PostgreSQL
 * database, a lifecycle job, a git application and a container is deployed, cloned, and the
 * clone deployed: on its own network, with its own volume and its own generated database
 * password, the shared variables reaching its services; the original keeps running untouched.
 */

let slipway: Slipway;
let repo: GitRepo;
const environments = new Set<string>();
const probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };

before(async () => {
  repo = new GitRepo();
  repo.writeApp('', 'v1');
  repo.commit('v1');
  slipway = await startSlipway({ edgePorts: edgePorts(13), name: 'clone', env: { SLIPWAY_REGISTRY: testRegistry } });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
  repo?.dispose();
});

/** The env of a service's running container, as Docker shows it. */
async function containerEnv(serviceId: string): Promise<Record<string, string>> {
  const [info] = await runningContainers(serviceId);
  assert.ok(info, `a running container of ${serviceId}`);
  const inspected = await docker.getContainer(info.Id).inspect();
  return Object.fromEntries((inspected.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

async function networksOf(serviceId: string): Promise<string[]> {
  const [info] = await runningContainers(serviceId);
  return Object.keys(info?.NetworkSettings.Networks ?? {}).filter((n) => n.startsWith('slipway'));
}

test('a clone of a database, a job and a git app deploys on its own network, volume and password', async () => {
  const { api } = slipway;
  const project = await api.createProject(uniqueName('clone'));
  const source = (await api.createEnvironment(project.id, 'staging')).id;
  environments.add(source);
  await api.expect(200, 'PUT', `/projects/${project.id}/variables`, [{ key: 'GREETING', value: 'from-project' }]);
  await api.expect(200, 'PUT', `/environments/${source}/variables`, [{ key: 'API_KEY', value: 'shared-api-key-1', secret: true }]);
  await api.createService(source, {
    name: 'db',
    type: 'database',
    source: { engine: 'postgresql', version: '15', mode: 'container', storageGb: 1, image: { name: testImages.postgres.name, tag: testImages.postgres.tag } },
    settings: { memoryMb: 256, cpu: 500, startTimeoutSeconds: 120 },
  });
  await api.createService(source, {
    name: 'migrate',
    type: 'job',
    source: {
      jobType: 'lifecycle',
      source: { image: { name: testImages.appV1.name, tag: 'v1' } },
      command: ['/bin/busybox', 'sh', '-c', 'test -n "$DB_PASSWORD" && test "$GREETING" = from-project && echo migrated'],
      maxDurationSeconds: 60,
    },
    settings: { memoryMb: 32, cpu: 100 },
  });
  await api.createService(source, {
    name: 'web',
    type: 'application',
    source: { git: { url: repo.fileUrl, branch: 'main' } },
    settings: { memoryMb: 32, cpu: 100, ports: [{ containerPort: APP_PORT, public: false, protocol: 'http' }], healthchecks: { readiness: probe }, startTimeoutSeconds: 30 },
  });
  await api.createService(source, appService('box', { public: false }));

  const first = await api.waitForDeployment((await api.actOnEnvironment(source, 'deploy')).deploymentId, 240_000);
  assert.equal(first.status, 'SUCCESS', JSON.stringify(first));

  const cloned = await api.expect<{ id: string; state: string }>(201, 'POST', `/environments/${source}/clone`, { name: 'staging-copy' });
  environments.add(cloned.id);
  assert.equal(cloned.state, 'READY');
  const copies = (await api.expect<{ items: Array<{ id: string; name: string; state: string }> }>(200, 'GET', `/environments/${cloned.id}/services`)).items;
  assert.deepEqual(copies.map((s) => s.state), ['READY', 'READY', 'READY', 'READY'], 'nothing deployed');
  for (const s of copies) assert.equal((await runningContainers(s.id)).length, 0, `${s.name}: no container before the clone's deploy`);

  const second = await api.waitForDeployment((await api.actOnEnvironment(cloned.id, 'deploy')).deploymentId, 240_000);
  assert.equal(second.status, 'SUCCESS', JSON.stringify(second));

  const originals = Object.fromEntries((await api.expect<{ items: Array<{ id: string; name: string; state: string }> }>(200, 'GET', `/environments/${source}/services`)).items.map((s) => [s.name, s]));
  const copy = Object.fromEntries(copies.map((s) => [s.name, s]));
  assert.ok(['DEPLOYED'].includes(originals.db!.state), 'the original is untouched');

  // Its own network.
  const [originalNetwork] = await networksOf(originals.db!.id);
  const [cloneNetwork] = await networksOf(copy.db!.id);
  assert.ok(originalNetwork && cloneNetwork && originalNetwork !== cloneNetwork, `${originalNetwork} vs ${cloneNetwork}`);
  assert.deepEqual(await networksOf(copy.web!.id), [cloneNetwork]);
  // Its own volume.
  const volumes = async (id: string) => (await docker.listVolumes({ filters: { label: [`slipway.service=${id}`] } })).Volumes?.map((v) => v.Name) ?? [];
  const [originalVolume] = await volumes(originals.db!.id);
  const [cloneVolume] = await volumes(copy.db!.id);
  assert.ok(originalVolume && cloneVolume && originalVolume !== cloneVolume);
  // Its own generated password, which its apps are given.
  const originalDb = await containerEnv(originals.db!.id);
  const cloneDb = await containerEnv(copy.db!.id);
  assert.ok(cloneDb.POSTGRES_PASSWORD && cloneDb.POSTGRES_PASSWORD !== originalDb.POSTGRES_PASSWORD);
  const web = await containerEnv(copy.web!.id);
  assert.equal(web.DB_PASSWORD, cloneDb.POSTGRES_PASSWORD);
  assert.equal(web.GREETING, 'from-project');
  assert.equal(web.API_KEY, 'shared-api-key-1');
  assert.equal((await containerEnv(copy.box!.id)).API_KEY, 'shared-api-key-1');
  // The job ran in the clone, with the shared variables and the clone's database.
  const jobLogs = (await api.logs(second.id)).items.filter((l) => l.step === 'EXECUTE').map((l) => l.message);
  assert.ok(jobLogs.includes('migrated'), jobLogs.join('\n'));
  // No secret in the clone's deployment log.
  const allLogs = (await api.logs(second.id)).items.map((l) => l.message).join('\n');
  assert.ok(!allLogs.includes('shared-api-key-1') && !allLogs.includes(cloneDb.POSTGRES_PASSWORD));
});
