import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { SECRET_MASK } from '../../../src/api/present.js';
import { testImages } from '../../support/images.js';
import { cleanupEnvironments, docker, edgePorts, eventually, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * A container database on real Docker with a real PostgreSQL image (scripts/services/
 * postgres-image.sh): credentials generated and driven by the POSTGRES_* conventions, rows
 * written through psql survive Stop + Redeploy and Restart (the named volume), an app of the
 * environment reads them with the injected DB_* env vars, Delete removes the volume.
 */

let slipway: Slipway;
const environments = new Set<string>();

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(10), name: 'database' });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

/** Runs a command in the service's running container; its stdout. */
async function execIn(serviceId: string, command: string[]): Promise<string> {
  const [container] = await runningContainers(serviceId);
  assert.ok(container, 'a running container');
  const exec = await docker.getContainer(container.Id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  docker.modem.demuxStream(stream, out, err);
  await new Promise((resolve) => stream.on('end', resolve));
  const { ExitCode } = await exec.inspect();
  assert.equal(ExitCode, 0, `${command.join(' ')}: ${stderr}`);
  return stdout.trim();
}

/** psql inside the database container, as its own POSTGRES_USER over the local socket. */
const psql = (db: string, sql: string) => execIn(db, ['sh', '-c', `psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "${sql}"`]);

test('PostgreSQL: rows survive Stop + Redeploy and Restart; an app reads them through the injected env; Delete removes the volume', async () => {
  const { api } = slipway;
  const project = await api.createProject(uniqueName('pg'));
  const env = (await api.createEnvironment(project.id, 'prod')).id;
  environments.add(env);
  const db = await api.createService(env, {
    name: 'db',
    type: 'database',
    source: { engine: 'postgresql', version: '15', mode: 'container', storageGb: 1, image: { name: testImages.postgres.name, tag: testImages.postgres.tag } },
    settings: { memoryMb: 256, cpu: 500, startTimeoutSeconds: 120 },
  });
  // Credentials were generated at creation and are shown masked.
  const shown = db.settings.env as Array<{ key: string; value: string; secret: boolean }>;
  assert.deepEqual(shown.find((v) => v.key === 'POSTGRES_PASSWORD'), { key: 'POSTGRES_PASSWORD', value: SECRET_MASK, secret: true });
  assert.equal(shown.find((v) => v.key === 'POSTGRES_USER')?.value, 'db');

  const deployed = await api.waitForDeployment((await api.act(db.id, 'deploy')).deploymentId, 180_000);
  assert.equal(deployed.status, 'SUCCESS', JSON.stringify(deployed));
  await psql(db.id, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')");
  const volumes = await docker.listVolumes({ filters: { label: [`slipway.service=${db.id}`] } });
  assert.equal(volumes.Volumes?.length, 1, 'one named volume');

  const stopped = await api.waitForDeployment((await api.act(db.id, 'stop')).deploymentId, 60_000);
  assert.equal(stopped.status, 'SUCCESS');
  assert.equal((await runningContainers(db.id)).length, 0);
  const redeployed = await api.waitForDeployment((await api.act(db.id, 'redeploy')).deploymentId, 180_000);
  assert.equal(redeployed.status, 'SUCCESS', JSON.stringify(redeployed));
  assert.equal(await eventually('psql after redeploy', () => psql(db.id, 'SELECT body FROM notes'), 30_000, 500), 'kept');

  const before = (await runningContainers(db.id))[0]!.Id;
  const restarted = await api.waitForDeployment((await api.act(db.id, 'restart')).deploymentId, 180_000);
  assert.equal(restarted.status, 'SUCCESS', JSON.stringify(restarted));
  assert.notEqual((await runningContainers(db.id))[0]!.Id, before, 'a new container');
  assert.equal(await eventually('psql after restart', () => psql(db.id, 'SELECT body FROM notes'), 30_000, 500), 'kept');

  // The "application": the postgres image running psql with the injected connection, then idling.
  const reader = await api.createService(env, {
    name: 'reader',
    type: 'container',
    source: { image: { name: testImages.postgres.name, tag: testImages.postgres.tag } },
    settings: {
      memoryMb: 64,
      cpu: 200,
      command: ['sh', '-c', 'psql "$DB_URL" -tAc "SELECT body FROM notes" && echo "via $DB_HOST:$DB_PORT as $DB_USER on $DB_DATABASE"; exec sleep 3600'],
      startTimeoutSeconds: 60,
    },
  });
  const readerDeployed = await api.waitForDeployment((await api.act(reader.id, 'deploy')).deploymentId, 120_000);
  assert.equal(readerDeployed.status, 'SUCCESS', JSON.stringify(readerDeployed));
  const [container] = await runningContainers(reader.id);
  const output = (await docker.getContainer(container!.Id).logs({ stdout: true, stderr: true })).toString('utf8');
  assert.match(output, /kept/);
  assert.match(output, /via db:5432 as db on db/);
  // The password reached the app as env, and no deployment log line.
  const logs = (await api.logs(readerDeployed.id)).items.map((l) => l.message).join('\n');
  const info = await docker.getContainer(container!.Id).inspect();
  const password = (info.Config.Env ?? []).find((e) => e.startsWith('DB_PASSWORD='))!.slice('DB_PASSWORD='.length);
  assert.ok(password.length >= 16);
  assert.ok(!logs.includes(password));

  await api.waitForDeployment((await api.deleteService(reader.id)).deploymentId, 60_000);
  const deleted = await api.waitForDeployment((await api.deleteService(db.id)).deploymentId, 60_000);
  assert.equal(deleted.status, 'SUCCESS');
  const left = await docker.listVolumes({ filters: { label: [`slipway.service=${db.id}`] } });
  assert.equal(left.Volumes?.length ?? 0, 0, 'Delete removed the volume');
});
