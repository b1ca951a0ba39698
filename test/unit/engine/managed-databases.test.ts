import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../../src/domain/index.js';
import type { SubmitInput } from '../../../src/engine/control-plane.js';
import { Engine } from '../../../src/engine/engine.js';
import { AwsManagedDatabases } from '../../../src/engine/managed-databases/aws.js';
import { managedIdentifier } from '../../../src/engine/managed-databases/provider.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import { EngineFixture } from '../../support/engine-fixture.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

/**
 * Managed databases on AWS (RDS, ElastiCache) with the SDK's client mocks — no AWS account is
 * reachable here: the commands Slipway sends, and the statuses services go through.
 */

const rds = mockClient(RDSClient);
const cache = mockClient(ElastiCacheClient);
const notFound = (name: string) => Object.assign(new Error(name), { name });

let store: Store;
let engine: Engine;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-managed-'));
  store = await createStore({ dataDir: dir, secretKey: 'k' });
  engine = new Engine(store, { docker: new FakeRuntime() }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 });
  engine.useManagedDatabases(new AwsManagedDatabases({ region: 'eu-west-1', rds: new RDSClient({ region: 'eu-west-1' }), elastiCache: new ElastiCacheClient({ region: 'eu-west-1' }) }), 5);
  await engine.start();
});
after(async () => {
  await engine.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  rds.restore();
  cache.restore();
});
afterEach(() => {
  rds.reset();
  cache.reset();
});

async function managed(engineName: 'postgresql' | 'redis'): Promise<{ env: string; id: string }> {
  const project = await store.createProject({ name: `p-${Math.random().toString(36).slice(2, 8)}` });
  const env = (await store.createEnvironment({ projectId: project.id, name: 'prod', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
  const service = await store.createService({
    environmentId: env,
    name: 'main-db',
    type: 'database',
    source: { engine: engineName, version: engineName === 'redis' ? '7.1' : '15.4', mode: 'managed', storageGb: 30 },
    settings: DEFAULT_SERVICE_SETTINGS,
  });
  return { env, id: service.id };
}

function action(environmentId: string, a: SubmitInput['action'], serviceId: string): SubmitInput {
  return { environmentId, action: a, origin: 'API', triggeredBy: 'test', queue: true, serviceId };
}

async function finished(deploymentId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const d = await store.getDeployment(deploymentId);
    if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') return d;
    if (Date.now() > deadline) throw new Error(`deployment still ${d?.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('managed databases on AWS (SDK mocks)', () => {
  test('PostgreSQL on RDS: Deploy creates it and waits until available; Stop pauses it; Redeploy starts it; Delete deletes it without a final snapshot', async () => {
    const { env, id } = await managed('postgresql');
    const identifier = managedIdentifier(id);
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(notFound('DBInstanceNotFoundFault'))
      .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: identifier, DBInstanceStatus: 'creating' }] })
      .resolves({ DBInstances: [{ DBInstanceIdentifier: identifier, DBInstanceStatus: 'available', Endpoint: { Address: 'main.rds.example', Port: 5432 } }] });
    rds.on(CreateDBInstanceCommand).resolves({ DBInstance: { DBInstanceIdentifier: identifier, DBInstanceStatus: 'creating' } });
    const deployed = await finished((await engine.submit(action(env, 'DEPLOY', id))).deploymentId);
    assert.equal(deployed.status, 'SUCCESS', deployed.message ?? '');
    const create = rds.commandCalls(CreateDBInstanceCommand)[0]!.args[0].input;
    const password = (await store.getService(id))!.settings.env.find((v) => v.key === 'POSTGRES_PASSWORD')!;
    assert.equal(create.DBInstanceIdentifier, identifier);
    assert.equal(create.Engine, 'postgres');
    assert.equal(create.EngineVersion, '15.4');
    assert.equal(create.AllocatedStorage, 30);
    assert.equal(create.MasterUsername, 'main_db');
    assert.equal(create.MasterUserPassword, password.value);
    assert.ok(password.secret);
    assert.equal((await store.getService(id))!.status, 'DEPLOYED');
    const logs = await store.readLogs(deployed.id);
    assert.ok(!logs.some((l) => l.message.includes(password.value)), 'the password is not logged');

    rds.reset();
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: identifier, DBInstanceStatus: 'available' }] });
    rds.on(StopDBInstanceCommand).resolves({});
    assert.equal((await finished((await engine.submit(action(env, 'STOP', id))).deploymentId)).status, 'SUCCESS');
    assert.equal(rds.commandCalls(StopDBInstanceCommand)[0]!.args[0].input.DBInstanceIdentifier, identifier);
    assert.equal((await store.getService(id))!.status, 'STOPPED');

    rds.reset();
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [{ DBInstanceStatus: 'stopped' }] })
      .resolvesOnce({ DBInstances: [{ DBInstanceStatus: 'stopped' }] })
      .resolvesOnce({ DBInstances: [{ DBInstanceStatus: 'starting' }] })
      .resolves({ DBInstances: [{ DBInstanceStatus: 'available' }] });
    rds.on(StartDBInstanceCommand).resolves({});
    assert.equal((await finished((await engine.submit(action(env, 'REDEPLOY', id))).deploymentId)).status, 'SUCCESS');
    assert.equal(rds.commandCalls(StartDBInstanceCommand).length, 1);
    assert.equal(rds.commandCalls(CreateDBInstanceCommand).length, 0);

    rds.reset();
    rds.on(DeleteDBInstanceCommand).resolves({});
    assert.equal((await finished((await engine.submit(action(env, 'DELETE', id))).deploymentId)).status, 'SUCCESS');
    assert.deepEqual(
      { ...rds.commandCalls(DeleteDBInstanceCommand)[0]!.args[0].input },
      { DBInstanceIdentifier: identifier, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    );
  });

  test('Redis on ElastiCache: Deploy creates a cache cluster; Stop is refused with STOP_ERROR and the reason', async () => {
    const { env, id } = await managed('redis');
    cache
      .on(DescribeCacheClustersCommand)
      .rejectsOnce(notFound('CacheClusterNotFoundFault'))
      .resolves({ CacheClusters: [{ CacheClusterStatus: 'available', CacheNodes: [{ Endpoint: { Address: 'r.cache.example', Port: 6379 } }] }] });
    cache.on(CreateCacheClusterCommand).resolves({ CacheCluster: { CacheClusterStatus: 'creating' } });
    assert.equal((await finished((await engine.submit(action(env, 'DEPLOY', id))).deploymentId)).status, 'SUCCESS');
    const input = cache.commandCalls(CreateCacheClusterCommand)[0]!.args[0].input;
    assert.equal(input.Engine, 'redis');
    assert.equal(input.NumCacheNodes, 1);
    assert.ok(input.CacheClusterId!.length <= 40);

    const stop = await finished((await engine.submit(action(env, 'STOP', id))).deploymentId);
    assert.equal(stop.status, 'ERROR');
    const service = (await store.getService(id))!;
    assert.equal(service.status, 'STOP_ERROR');
    assert.match(service.statusMessage ?? '', /managed Redis \(ElastiCache\) cannot be stopped/);
  });

  test('a provider error ends the deploy DEPLOYMENT_ERROR with the message', async () => {
    const { env, id } = await managed('postgresql');
    rds.on(DescribeDBInstancesCommand).rejects(notFound('DBInstanceNotFoundFault'));
    rds.on(CreateDBInstanceCommand).rejects(Object.assign(new Error('Storage quota exceeded'), { name: 'StorageQuotaExceededFault' }));
    const done = await finished((await engine.submit(action(env, 'DEPLOY', id))).deploymentId);
    assert.equal(done.status, 'ERROR');
    const service = (await store.getService(id))!;
    assert.equal(service.status, 'DEPLOYMENT_ERROR');
    assert.match(service.statusMessage ?? '', /Storage quota exceeded/);
  });
});

describe('managed databases without a provider', () => {
  test('Delete of an orphan (no provider configured) succeeds: DELETED, the environment removed, a log line saying nothing was removed at a provider', async () => {
    const fixture = await EngineFixture.create();
    try {
      const env = await fixture.environment();
      const orphan = await fixture.store.createService({
        environmentId: env,
        name: 'old-db',
        type: 'database',
        source: { engine: 'postgresql', version: '15.4', mode: 'managed', storageGb: 30 },
        settings: DEFAULT_SERVICE_SETTINGS,
      });
      const box = await fixture.container(env, 'box');
      const deploy = await fixture.finished((await fixture.engine.submit({ environmentId: env, action: 'DEPLOY', serviceId: box, origin: 'API', triggeredBy: 'test', queue: true })).deploymentId);
      assert.equal(deploy.status, 'SUCCESS');

      const removal = await fixture.finished((await fixture.engine.submit({ environmentId: env, action: 'DELETE', origin: 'API', triggeredBy: 'test', queue: true })).deploymentId);
      assert.equal(removal.status, 'SUCCESS', removal.message ?? '');
      assert.deepEqual(fixture.statusPath(orphan.id), ['DELETE_QUEUED', 'DELETING', 'DELETED']);
      assert.equal(await fixture.store.getService(orphan.id), undefined);
      assert.equal(await fixture.store.getEnvironment(env), undefined, 'the environment is removed with its services');
      const logs = await fixture.store.readLogs(removal.id);
      assert.ok(
        logs.some((l) => l.serviceId === orphan.id && l.level === 'warn' && /no managed database provider is configured.*nothing was removed at a provider/.test(l.message)),
        JSON.stringify(logs),
      );
    } finally {
      await fixture.close();
    }
  });

  test('Deploy without a provider still ends DEPLOYMENT_ERROR naming the setting', async () => {
    const fixture = await EngineFixture.create();
    try {
      const env = await fixture.environment();
      const db = await fixture.store.createService({
        environmentId: env,
        name: 'new-db',
        type: 'database',
        source: { engine: 'postgresql', version: '15.4', mode: 'managed', storageGb: 30 },
        settings: DEFAULT_SERVICE_SETTINGS,
      });
      const done = await fixture.finished((await fixture.engine.submit({ environmentId: env, action: 'DEPLOY', serviceId: db.id, origin: 'API', triggeredBy: 'test', queue: true })).deploymentId);
      assert.equal(done.status, 'ERROR');
      const service = (await fixture.store.getService(db.id))!;
      assert.equal(service.status, 'DEPLOYMENT_ERROR');
      assert.match(service.statusMessage ?? '', /SLIPWAY_AWS_REGION/);
    } finally {
      await fixture.close();
    }
  });
});
