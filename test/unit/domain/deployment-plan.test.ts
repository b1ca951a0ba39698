import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SERVICE_SETTINGS,
  kindOf,
  planDeployment,
  type DeploymentPlan,
  type QueuedAction,
  type RequestedAction,
  type Service,
  type Stage,
} from '../../../src/domain/index.js';

/** The plan of a request, as a table: which services, in which stage, at which version, of which kind. */

type Partial_ = Pick<Service, 'name' | 'type' | 'source'> & Partial<Service>;

function service(s: Partial_): Service {
  return {
    id: s.name,
    environmentId: 'env',
    settings: DEFAULT_SERVICE_SETTINGS,
    status: 'DEPLOYED',
    statusMessage: null,
    deployedVersion: null,
    targetVersion: null,
    deployedSpecHash: null,
    deployedSpec: null,
    stageId: null,
    skipEnvironmentActions: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...s,
  } as Service;
}

const git = { git: { url: 'https://git.example/app.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } };
const image = (tag: string) => ({ image: { name: 'registry.example/web', tag } });

const ENV: Service[] = [
  service({ name: 'db', type: 'database', source: { engine: 'postgresql', version: '16', mode: 'container', storageGb: 1 }, deployedVersion: '16' }),
  service({ name: 'cache', type: 'database', source: { engine: 'redis', version: '7', mode: 'managed', storageGb: 1 }, deployedVersion: '7' }),
  service({ name: 'migrate', type: 'job', source: { jobType: 'lifecycle', events: ['start', 'delete'], source: image('m1'), maxDurationSeconds: 60, maxRestarts: 0 }, deployedVersion: 'm1' }),
  service({ name: 'nightly', type: 'job', source: { jobType: 'cron', schedule: '0 3 * * *', source: image('n1'), maxDurationSeconds: 60, maxRestarts: 0 }, deployedVersion: 'n1' }),
  service({ name: 'web', type: 'container', source: image('v2'), deployedVersion: 'v1' }),
  service({ name: 'api', type: 'application', source: git, deployedVersion: 'abc123' }),
  service({ name: 'fresh', type: 'application', source: git, status: 'READY' }),
  service({ name: 'hidden', type: 'container', source: image('h1'), skipEnvironmentActions: true, deployedVersion: 'h1' }),
];

const HOST = (db: Service) => `${db.name}.internal`;

function plan(action: QueuedAction, options: Partial<RequestedAction> = {}, services = ENV, stages: Stage[] = []): DeploymentPlan {
  const request: RequestedAction = { action, level: 'environment', serviceIds: [], versions: {}, ...options };
  const result = planDeployment({ request, services, stages, databaseHost: HOST });
  assert.ok('plan' in result, `expected a plan, got ${JSON.stringify(result)}`);
  return result.plan;
}

/** Each stage as "name: service@version(kind)". */
function table(p: DeploymentPlan): string[] {
  return p.stages.map((stage) => `${stage.name}: ${stage.services.map((s) => `${s.service.name}@${s.version ?? 'HEAD'}${s.builds ? '+build' : ''}(${s.kind})`).join(' ')}`);
}

test('the kind of each service picks its handler', () => {
  assert.deepEqual(
    Object.fromEntries(ENV.map((s) => [s.name, kindOf(s)])),
    {
      db: 'container-like',
      cache: 'managed-database',
      migrate: 'lifecycle-job',
      nightly: 'cron-job',
      web: 'container-like',
      api: 'container-like',
      fresh: 'container-like',
      hidden: 'container-like',
    },
  );
});

const CASES: Array<{ name: string; action: QueuedAction; options?: Partial<RequestedAction>; expected: string[] }> = [
  {
    name: 'environment Redeploy: the seed order; the version shown, a git service never deployed reads its head and builds',
    action: 'REDEPLOY',
    expected: [
      'databases: db@16(container-like) cache@7(managed-database)',
      'lifecycle jobs: migrate@m1(lifecycle-job)',
      'cron jobs: nightly@n1(cron-job)',
      'containers: web@v2(container-like)',
      'applications: api@abc123+build(container-like) fresh@HEAD+build(container-like)',
    ],
  },
  {
    name: 'Stop: reversed stages, only what can be stopped, at the deployed version',
    action: 'STOP',
    expected: [
      'applications: api@abc123(container-like)',
      'containers: web@v1(container-like)',
      'cron jobs: nightly@n1(cron-job)',
      'lifecycle jobs: migrate@m1(lifecycle-job)',
      'databases: db@16(container-like) cache@7(managed-database)',
    ],
  },
  {
    name: 'Delete: the lifecycle jobs that run on delete first, then the reversed stages',
    action: 'DELETE',
    expected: [
      'lifecycle jobs: migrate@m1(lifecycle-job)',
      'applications: api@abc123(container-like) fresh@HEAD(container-like)',
      'containers: web@v1(container-like)',
      'cron jobs: nightly@n1(cron-job)',
      'databases: db@16(container-like) cache@7(managed-database)',
    ],
  },
  {
    name: 'Deploy latest version: the chosen services, git ones follow their head',
    action: 'DEPLOY_LATEST',
    options: { serviceIds: ['api', 'web'] },
    expected: ['containers: web@v2(container-like)', 'applications: api@HEAD+build(container-like)'],
  },
  {
    name: 'Deploy other version of one service: that version, nothing else',
    action: 'DEPLOY_VERSION',
    options: { level: 'service', serviceIds: ['api'], versions: { api: 'def456' } },
    expected: ['applications: api@def456+build(container-like)'],
  },
  {
    name: 'service Restart: the one service, at its deployed version',
    action: 'RESTART',
    options: { level: 'service', serviceIds: ['web'] },
    expected: ['containers: web@v1(container-like)'],
  },
];

for (const c of CASES) {
  test(c.name, () => {
    assert.deepEqual(table(plan(c.action, c.options)), c.expected);
  });
}

test('pins: Deploy other version pins the service, Deploy latest unpins the chosen ones, others pin nothing', () => {
  assert.deepEqual(plan('DEPLOY_VERSION', { level: 'service', serviceIds: ['web'], versions: { web: 'v9' } }).pins, [{ serviceId: 'web', version: 'v9' }]);
  const pinned = ENV.map((s) => (s.name === 'web' ? { ...s, targetVersion: 'v1' } : s));
  const latest = plan('DEPLOY_LATEST', { serviceIds: ['web'] }, pinned);
  assert.deepEqual(latest.pins, [{ serviceId: 'web', version: null }]);
  assert.equal(latest.stages[0]!.services[0]!.version, 'v2', 'unpinned: the tag its source shows');
  assert.deepEqual(plan('REDEPLOY', {}, pinned).pins, []);
  assert.equal(plan('REDEPLOY', {}, pinned).stages.flatMap((s) => s.services).find((s) => s.service.name === 'web')!.version, 'v1', 'a pin holds on Redeploy');
});

test('environment Deploy of an environment never deployed: every service, git ones at their head', () => {
  const fresh = ENV.map((s) => ({ ...s, status: 'READY' as const, deployedVersion: null }));
  assert.deepEqual(table(plan('DEPLOY', {}, fresh)), [
    'databases: db@16(container-like) cache@7(managed-database)',
    'lifecycle jobs: migrate@m1(lifecycle-job)',
    'cron jobs: nightly@n1(cron-job)',
    'containers: web@v2(container-like)',
    'applications: api@HEAD+build(container-like) fresh@HEAD+build(container-like)',
  ]);
});

test('injected env: every service but the databases gets the container databases’ connections', () => {
  const p = plan('REDEPLOY');
  const env = (name: string) => p.stages.flatMap((s) => s.services).find((s) => s.service.name === name)!.injectedEnv;
  assert.equal(env('web').DB_HOST, 'db.internal');
  assert.equal(env('migrate').DB_PORT, '5432');
  assert.equal(env('web').CACHE_HOST, undefined, 'a managed database is not a container on the environment');
  assert.deepEqual(env('db'), {});
  assert.deepEqual(env('cache'), {});
});

test('shared variables: every planned service but the databases gets the ones it does not set itself', () => {
  const services = ENV.map((s) => (s.name === 'web' ? { ...s, settings: { ...s.settings, env: [{ key: 'LOG', value: 'own', secret: false }] } } : s));
  const result = planDeployment({
    request: { action: 'REDEPLOY', level: 'environment', serviceIds: [], versions: {} },
    services,
    stages: [],
    databaseHost: HOST,
    variables: {
      project: [{ key: 'LOG', value: 'info', secret: false }, { key: 'REGION', value: 'eu', secret: false }],
      environment: [{ key: 'REGION', value: 'us', secret: false }],
    },
  });
  assert.ok('plan' in result);
  const vars = (name: string) => result.plan.stages.flatMap((s) => s.services).find((s) => s.service.name === name)!.variables;
  assert.deepEqual(vars('api'), [{ key: 'LOG', value: 'info', secret: false }, { key: 'REGION', value: 'us', secret: false }]);
  assert.deepEqual(vars('web'), [{ key: 'REGION', value: 'us', secret: false }], 'its own LOG wins');
  assert.deepEqual(vars('migrate').map((v) => v.key), ['LOG', 'REGION']);
  assert.deepEqual(vars('db'), []);
  assert.deepEqual(plan('REDEPLOY').stages.flatMap((s) => s.services).find((s) => s.service.name === 'api')!.variables, [], 'no variables given: none');
});

test('a user-defined stage puts its services between the defaults', () => {
  const services = ENV.map((s) => (s.name === 'web' ? { ...s, stageId: 'early' } : s));
  const p = plan('REDEPLOY', {}, services, [{ id: 'early', name: 'early', order: 150 }]);
  assert.deepEqual(
    p.stages.map((s) => s.name),
    ['databases', 'early', 'lifecycle jobs', 'cron jobs', 'applications'],
  );
});

test('a request that no longer holds is skipped with the reason, and plans nothing', () => {
  const deployedOnce = ENV.map((s) => ({ ...s, status: 'READY' as const }));
  const result = planDeployment({
    request: { action: 'REDEPLOY', level: 'environment', serviceIds: [], versions: {} },
    services: deployedOnce,
    stages: [],
    databaseHost: HOST,
  });
  assert.ok('skipped' in result);
  assert.match(result.skipped, /never deployed/);
  const gone = planDeployment({ request: { action: 'RESTART', level: 'service', serviceIds: ['nope'], versions: {} }, services: ENV, stages: [], databaseHost: HOST });
  assert.deepEqual(gone, { skipped: 'the service no longer exists' });
});

test('services skipped for environment actions stay out of them, but not out of their own', () => {
  assert.ok(!table(plan('REDEPLOY')).join().includes('hidden'));
  assert.deepEqual(table(plan('REDEPLOY', { level: 'service', serviceIds: ['hidden'] })), ['containers: hidden@h1(container-like)']);
});
