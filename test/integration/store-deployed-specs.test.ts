import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { configDigest, DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, deployedSpecDigest, deployedSpecOf } from '../../src/domain/index.js';
import { describeOnEachBackend, type StoreBackend } from './store-backends.js';

/**
 * Deployed specs live in their own table (migration 0010), out of the services row that every
 * status move rewrites, and each once by digest (migration 0011), which deployments' records
 * name; on SQLite and PostgreSQL.
 */

/** Runs a statement that writes, bypassing the store (the backends' rawRows reads SQLite read-only). */
async function rawWrite(backend: StoreBackend, sql: string): Promise<void> {
  if (backend.name === 'postgres') {
    await backend.rawRows(sql);
    return;
  }
  const db = new SqliteDatabase(join(backend.dataDir, 'slipway.db'));
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

describeOnEachBackend('deployed specs table', (s) => {
  async function deployedService(name: string) {
    const project = await s.store.createProject({ name: `specs-${name}-${s.backend.name}` });
    const env = await s.store.createEnvironment({ projectId: project.id, name: 'e', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    const service = await s.store.createService({
      environmentId: env.id,
      name,
      type: 'container',
      source: { image: { name: 'busybox', tag: 'v1' } },
      settings: { ...DEFAULT_SERVICE_SETTINGS, env: [{ key: 'TOKEN', value: `secret-of-${name}`, secret: true }] },
    });
    const spec = deployedSpecOf(service);
    await s.store.setDeployedState(service.id, { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpec: spec });
    return { env, service, spec };
  }

  function neverDeployed(environmentId: string) {
    return s.store.createService({ environmentId, name: 'never-deployed', type: 'container', source: { image: { name: 'busybox', tag: 'v1' } }, settings: DEFAULT_SERVICE_SETTINGS });
  }

  it('keeps the spec apart from the service row, encrypted, and drops it with the service', async () => {
    const { env, service, spec } = await deployedService('apart');
    const [row] = await s.backend.rawRows('select * from services where id = $1', [service.id]);
    assert.ok(row && !('deployed_spec' in row), 'the services row has no spec column');
    const specs = await s.backend.rawRows('select spec from service_deployed_specs where service_id = $1', [service.id]);
    assert.equal(specs.length, 1);
    assert.ok(!JSON.stringify(specs).includes('secret-of-apart'), 'stored encrypted');
    assert.deepEqual((await s.store.listServices(env.id))[0]!.deployedSpec, spec);

    await s.store.setDeployedState(service.id, { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpec: null });
    assert.equal((await s.store.getService(service.id))!.deployedSpec, null);
    assert.equal((await s.backend.rawRows('select spec from service_deployed_specs where service_id = $1', [service.id])).length, 0);

    await s.store.setDeployedState(service.id, { deployedVersion: 'v2', deployedSpecHash: 'h2', deployedSpec: spec });
    await s.store.deleteService(service.id);
    assert.equal((await s.backend.rawRows('select spec from service_deployed_specs where service_id = $1', [service.id])).length, 0);
    // A service that no longer exists records nothing, and does not fail.
    await s.store.setDeployedState(service.id, { deployedVersion: 'v3', deployedSpecHash: 'h3', deployedSpec: spec });
    assert.equal((await s.backend.rawRows('select spec from service_deployed_specs where service_id = $1', [service.id])).length, 0);
  });

  it('records the config digest of each deploy beside its spec', async () => {
    const { service, spec } = await deployedService('digest');
    assert.equal((await s.store.getService(service.id))!.deployedConfigDigest, configDigest(spec));

    const next = deployedSpecOf({ ...service, settings: { ...service.settings, instances: 3 } });
    await s.store.setDeployedState(service.id, { deployedVersion: 'v2', deployedSpecHash: 'h2', deployedSpec: next });
    const read = (await s.store.getService(service.id))!;
    assert.deepEqual(read.deployedSpec, next);
    assert.equal(read.deployedSpec!.settings.instances, 3);
    assert.equal(read.deployedSpecDigest, deployedSpecDigest(next));
    // Beside it, in clear, the digest pending changes are read from (src/domain/pending-changes.ts).
    assert.equal(read.deployedConfigDigest, configDigest(next));
    const [row] = await s.backend.rawRows('select deployed_config_digest from services where id = $1', [service.id]);
    assert.equal(row?.deployed_config_digest, configDigest(next));
    await s.store.setDeployedState(service.id, { deployedVersion: 'v2', deployedSpecHash: 'h2', deployedSpec: null });
    assert.equal((await s.store.getService(service.id))!.deployedConfigDigest, null);
  });

  it('migration 0010 moves the specs a services row held into their table', async () => {
    const { service, spec } = await deployedService('migrated');
    const plain = await neverDeployed(service.environmentId);
    // Back to the layout before 0010: the ciphertext in the services row, none of 0010 on run.
    await rawWrite(s.backend, 'alter table services drop column deployed_config_digest');
    await rawWrite(s.backend, 'drop table deployed_specs');
    await rawWrite(s.backend, 'alter table deployment_services drop column deployed_spec_digest');
    await rawWrite(s.backend, 'alter table services add column deployed_spec text');
    await rawWrite(s.backend, 'update services set deployed_spec = (select spec from service_deployed_specs where service_deployed_specs.service_id = services.id)');
    await rawWrite(s.backend, 'drop table service_deployed_specs');
    // Every migration from 0010 on, or Kysely refuses to run them before a later one it recorded.
    await rawWrite(s.backend, "delete from kysely_migration where name >= '0010'");

    const reopened = await s.backend.openStore();
    const migrated = (await reopened.getService(service.id))!;
    assert.deepEqual(migrated.deployedSpec, spec);
    assert.equal(migrated.deployedSpecDigest, deployedSpecDigest(spec));
    // 0012, then the store's opening, gives a deploy made before it its config digest.
    assert.equal(migrated.deployedConfigDigest, configDigest(spec));
    assert.equal((await reopened.getService(plain.id))!.deployedSpec, null);
    const [row] = await s.backend.rawRows('select * from services where id = $1', [service.id]);
    assert.ok(row && !('deployed_spec' in row), 'the column is gone');
    // 0011: the current spec is kept by its digest too.
    const byDigest = await s.backend.rawRows('select digest from deployed_specs where service_id = $1', [service.id]);
    assert.deepEqual(byDigest.map((r) => r['digest']), [deployedSpecDigest(spec)]);
    assert.equal((await s.backend.rawRows('select digest from deployed_specs where service_id = $1', [plain.id])).length, 0);
  });

  it('a store opening gives deploys recorded without a config digest theirs, past a spec it cannot open', async () => {
    const { service, spec } = await deployedService('backfilled');
    const { service: broken } = await deployedService('unreadable');
    await rawWrite(s.backend, `update services set deployed_config_digest = null where id in ('${service.id}', '${broken.id}')`);
    await rawWrite(s.backend, `update service_deployed_specs set spec = 'not a sealed value' where service_id = '${broken.id}'`);

    const reopened = await s.backend.openStore();
    assert.equal((await reopened.getService(service.id))!.deployedConfigDigest, configDigest(spec));
    assert.equal((await reopened.getService(broken.id))!.deployedConfigDigest, null);
  });

  it('summaries of the services as their status shows them, without reading a deployed spec; the specs asked for, by id', async () => {
    const { env, service, spec } = await deployedService('summary');
    const plain = await neverDeployed(env.id);
    await s.store.setTargetVersion(plain.id, 'v9');
    const full = await s.store.listServices(env.id);
    const summaries = await s.store.listServiceSummaries(env.id);
    // Every field the summary has, as listServices reads it (secret values decrypted), in its order.
    assert.deepEqual(
      summaries,
      full.map((f) => ({ id: f.id, name: f.name, type: f.type, source: f.source, settings: f.settings, status: f.status, deployedVersion: f.deployedVersion, targetVersion: f.targetVersion, deployedConfigDigest: f.deployedConfigDigest })),
    );
    assert.equal(summaries[0]!.settings.env[0]!.value, 'secret-of-summary');
    assert.equal(summaries[0]!.deployedConfigDigest, configDigest(spec));
    assert.equal(summaries[1]!.targetVersion, 'v9');

    const specs = await s.store.deployedSpecsOf([service.id, plain.id]);
    assert.deepEqual([...specs], [[service.id, spec]], 'decrypted; a service without a spec is absent');
    assert.equal((await s.store.deployedSpecsOf([])).size, 0);

    // A spec that cannot be opened: summaries never read it, listServices' spec getter fails on it.
    await rawWrite(s.backend, `update service_deployed_specs set spec = 'not a sealed value' where service_id = '${service.id}'`);
    assert.deepEqual(await s.store.listServiceSummaries(env.id), summaries);
    const [broken] = await s.store.listServices(env.id);
    assert.throws(() => broken!.deployedSpec);
  });

  it("a deployment's record names the spec by digest; records holding a copy (before 0011) still read", async () => {
    const { env, service, spec } = await deployedService('history');
    const { deployment: first } = await s.store.enqueue({ environmentId: env.id, request: { action: 'DEPLOY', level: 'environment', serviceIds: [], versions: {} }, origin: 'API', triggeredBy: 'tester' });
    await s.store.recordDeploymentServices(first.id, [{ serviceId: service.id, name: service.name, type: service.type, stageName: 'applications', stageOrder: 500, version: 'v1', status: 'DEPLOYING' }]);
    await s.store.setDeploymentServiceStatus(first.id, service.id, 'DEPLOYED');
    const [record] = await s.backend.rawRows('select deployed_spec, deployed_spec_digest from deployment_services where deployment_id = $1', [first.id]);
    assert.deepEqual(record, { deployed_spec: null, deployed_spec_digest: deployedSpecDigest(spec) }, 'no copy of the spec, its digest');

    // A later deploy with another spec: the first deployment still reads the spec it deployed.
    const other = deployedSpecOf({ ...service, settings: { ...service.settings, instances: 3 } });
    await s.store.setDeployedState(service.id, { deployedVersion: 'v2', deployedSpecHash: 'h2', deployedSpec: other });
    assert.deepEqual(await s.store.deployedServicesOf(first.id), [{ serviceId: service.id, name: service.name, type: 'container', version: 'v1', spec }]);
    assert.equal((await s.backend.rawRows('select digest from deployed_specs where service_id = $1', [service.id])).length, 2);

    // A record written before 0011: the ciphertext copied into it, no digest.
    const [current] = await s.backend.rawRows('select spec from service_deployed_specs where service_id = $1', [service.id]);
    await rawWrite(s.backend, `update deployment_services set deployed_spec = '${String(current!['spec'])}', deployed_spec_digest = null where deployment_id = '${first.id}'`);
    assert.deepEqual((await s.store.deployedServicesOf(first.id))[0]!.spec, other);

    // The specs go with their service.
    await s.store.deleteService(service.id);
    assert.equal((await s.backend.rawRows('select digest from deployed_specs where service_id = $1', [service.id])).length, 0);
  });
});
