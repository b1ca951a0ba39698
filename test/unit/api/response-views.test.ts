import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { ActionList, DeploymentView, EnvironmentView, OutdatedServicesView, ServiceView, VersionsView } from '../../../src/api/schemas/views.js';

/**
 * The views describe responses with the real shapes (the console's types come from them), and
 * Fastify serializes responses through them. Serialization must still pass every stored value
 * through as it is: no default written for an absent field, no field dropped, every source kind.
 */
async function serialized(schema: TSchema, value: unknown): Promise<unknown> {
  const app = Fastify();
  app.get('/', { schema: { response: { 200: schema } } }, async () => value);
  try {
    const reply = await app.inject({ method: 'GET', url: '/' });
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json();
  } finally {
    await app.close();
  }
}

const service = {
  id: 's',
  environmentId: 'e',
  name: 'web',
  state: 'DEPLOYED',
  statusMessage: null,
  runningState: {
    status: 'RUNNING',
    instances: [
      { id: 'a', ready: true, aFieldAddedLater: 1 },
      { id: 'b', version: null, ready: false, restarts: 2, lastExitCode: 137, lastExitReason: 'OOMKilled', startedAt: null },
    ],
  },
  deployedVersion: '1.0',
  targetVersion: null,
  pendingChanges: true,
  pendingFields: ['env'],
  stageId: null,
  skipEnvironmentActions: false,
  endpoints: [{ port: 80, protocol: 'http', url: 'http://127.0.0.1:20000' }],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  aFieldAddedLater: { x: 1 },
};

const settings = {
  instances: 2,
  cpu: 500,
  memoryMb: 512,
  // No `public`/`protocol`/`secret`: the input's defaults must not be written into the response.
  ports: [{ containerPort: 8080 }],
  env: [
    { key: 'TOKEN', value: '********', secret: true },
    { key: 'MODE', value: 'prod' },
  ],
  healthchecks: { readiness: { type: 'http', path: '/health', port: 8080 }, liveness: { type: 'exec', command: ['true'], periodSeconds: 3 } },
  startTimeoutSeconds: 60,
  storage: [{ mountPath: '/data', sizeGb: 1 }],
  autoDeploy: false,
  aSettingAddedLater: [1, 2],
};

const sources: Array<[string, unknown]> = [
  ['application', { git: { url: 'https://********@git.example/app.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } }],
  ['container', { image: { name: 'nginx', tag: '1.27' } }],
  ['database', { engine: 'postgresql', version: '16', mode: 'container', storageGb: 10, image: { name: 'postgres', tag: '16' } }],
  ['database', { engine: 'redis', version: '7' }],
  ['job', { jobType: 'cron', schedule: '*/5 * * * *', source: { image: { name: 'busybox', tag: 'latest' } }, command: ['date'], maxDurationSeconds: 60, maxRestarts: 0 }],
  ['job', { jobType: 'lifecycle', events: ['start', 'stop'], source: { git: { url: 'file:///repo', branch: 'main' } } }],
];

test('a service of every kind is answered exactly as stored, with fields the view does not name', async () => {
  for (const [type, source] of sources) {
    const value = { ...service, type, source, settings };
    assert.deepEqual(await serialized(ServiceView, value), value, `${type}: ${JSON.stringify(source)}`);
  }
});

test('environments, deployments and action lists are answered exactly as stored', async () => {
  const environment = {
    id: 'e',
    projectId: 'p',
    name: 'staging',
    runtime: 'kubernetes',
    settings: { maxParallelBuilds: 2, maxParallelDeploys: 4, kubeconfig: '********' },
    createdAt: '2026-01-01T00:00:00.000Z',
    state: 'DEPLOYED',
    runningState: 'RUNNING',
    preview: { number: 3, branch: 'feature/x', url: 'https://git.example.test/pull/3' },
  };
  assert.deepEqual(await serialized(EnvironmentView, environment), environment);
  assert.deepEqual(await serialized(EnvironmentView, { ...environment, preview: null }), { ...environment, preview: null });
  const deployment = {
    id: 'd',
    environmentId: 'e',
    action: 'DEPLOY',
    level: 'environment',
    serviceIds: ['a', 'b'],
    services: [
      { serviceId: 'a', name: 'web' },
      { serviceId: 'b', name: null },
    ],
    versions: { a: '1.0', b: '0123abc' },
    origin: 'API',
    triggeredBy: 'token:ci',
    status: 'DEPLOYED',
    message: null,
    cancelRequested: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    endedAt: null,
  };
  assert.deepEqual(await serialized(DeploymentView, deployment), deployment);
  const actions = [
    { action: 'DEPLOY', available: true },
    { action: 'CANCEL', available: false, reason: 'nothing is running' },
  ];
  assert.deepEqual(await serialized(ActionList, actions), actions);
});

test('versions and outdated services are answered exactly as listed', async () => {
  const commits = { items: [{ sha: '0123456789abcdef0123456789abcdef01234567', message: 'fix', author: 'ada', date: '2026-01-01T00:00:00Z' }] };
  assert.deepEqual(await serialized(VersionsView, commits), commits);
  const tags = { items: [{ tag: 'latest' }, { tag: '1.0' }] };
  assert.deepEqual(await serialized(VersionsView, tags), tags);
  const outdated = {
    items: [{ id: 'a', name: 'api', type: 'application', deployedVersion: null, latestVersion: '0123abc', branch: 'main' }],
    unreadable: [{ id: 'b', name: 'worker', message: 'the remote could not be read' }],
  };
  assert.deepEqual(await serialized(OutdatedServicesView, outdated), outdated);
});
