import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SERVICE_SETTINGS, planDeployment, planRollback, type DeployedSpec, type Service } from '../../../src/domain/index.js';

function container(id: string, tag: string, over: Partial<Service> = {}): Service {
  return {
    id,
    environmentId: 'env',
    name: id,
    type: 'container',
    source: { image: { name: 'web', tag } },
    settings: { ...DEFAULT_SERVICE_SETTINGS },
    status: 'DEPLOYED',
    statusMessage: null,
    deployedVersion: tag,
    targetVersion: null,
    deployedSpecHash: null,
    deployedSpec: null,
    stageId: null,
    skipEnvironmentActions: false,
    createdAt: '',
    updatedAt: '',
    ...over,
  } as Service;
}

const oldSpec: DeployedSpec = { source: { image: { name: 'web', tag: '1.0' } }, settings: { ...DEFAULT_SERVICE_SETTINGS, instances: 1, memoryMb: 256 } };
const record = (serviceId: string, spec: DeployedSpec | null = oldSpec) => ({ serviceId, name: serviceId, type: 'container' as const, version: '1.0', spec });

test('a successful deployment: each live service goes back to its version, with the fields that change', () => {
  const now = container('web', '2.0', { settings: { ...DEFAULT_SERVICE_SETTINGS, instances: 3, memoryMb: 256 } });
  const result = planRollback({ id: 'd1', status: 'SUCCESS' }, [record('web'), record('gone')], [now]);
  assert.ok('plan' in result);
  assert.deepEqual(result.plan.changes, [{ serviceId: 'web', name: 'web', fromVersion: '2.0', toVersion: '1.0', fields: ['source', 'instances'] }]);
  assert.deepEqual(result.plan.skipped, [{ serviceId: 'gone', name: 'gone', reason: 'deleted since' }]);
});

test('refused: not SUCCESS, nothing deployed, every service gone or not recorded', () => {
  const web = container('web', '2.0');
  for (const status of ['ERROR', 'CANCELED', 'SKIPPED', 'RUNNING', 'QUEUED'] as const) {
    const result = planRollback({ id: 'd', status }, [record('web')], [web]);
    assert.ok('refused' in result && result.refused.includes(status), status);
  }
  assert.ok('refused' in planRollback({ id: 'd', status: 'SUCCESS' }, [], [web]));
  assert.ok('refused' in planRollback({ id: 'd', status: 'SUCCESS' }, [record('web')], [container('web', '2.0', { status: 'DELETED' })]));
  assert.ok('refused' in planRollback({ id: 'd', status: 'SUCCESS' }, [record('web', null)], [web]));
});

test('the plan of a rollback request restores the recorded source and settings and pins the version', () => {
  const web = container('web', '2.0', { settings: { ...DEFAULT_SERVICE_SETTINGS, instances: 3 } });
  const result = planDeployment({
    request: { action: 'DEPLOY_VERSION', level: 'service', serviceIds: ['web'], versions: { web: '1.0' }, rollbackOf: 'd1' },
    services: [web],
    stages: [],
    databaseHost: (db) => db.name,
    rollbackSpecs: new Map([['web', oldSpec]]),
  });
  assert.ok('plan' in result);
  assert.deepEqual(result.plan.pins, [{ serviceId: 'web', version: '1.0' }]);
  assert.deepEqual(result.plan.restores, [{ serviceId: 'web', source: oldSpec.source, settings: oldSpec.settings }]);
  const planned = result.plan.stages.flatMap((s) => s.services)[0]!;
  assert.equal(planned.version, '1.0');
  assert.equal(planned.service.settings.instances, 1);
});
