import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, DomainError } from '../../src/domain/index.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

/** The routes of instances, runtime logs and metrics over a control plane double: what they pass on and answer. */

const V = '/api/v1';
let h: Harness;
let serviceId = '';

before(async () => {
  h = await startHarness();
  const project = await h.store.createProject({ name: 'obs' });
  const env = await h.store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  const service = await h.store.createService({ environmentId: env.id, name: 'web', type: 'container', source: { image: { name: 'nginx', tag: '1' } }, settings: DEFAULT_SERVICE_SETTINGS });
  serviceId = service.id;
});

after(async () => h?.close());

test('logs: NDJSON, one line each; tail, instance, follow and a duration since passed on', async () => {
  h.cp.logLines = [
    { ts: '2024-05-01T10:00:00.000000000Z', instance: 'a', stream: 'stdout', line: 'one' },
    { ts: '2024-05-01T10:00:01.000000000Z', instance: 'b', stream: 'stderr', line: 'two' },
  ];
  const res = await h.app.inject({ method: 'GET', url: `${V}/services/${serviceId}/logs?tail=5&since=15m&instance=a&follow=true`, headers: bearer(h.tokens.viewer) });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/x-ndjson/);
  assert.deepEqual(res.body.trim().split('\n').map((l) => JSON.parse(l)), h.cp.logLines);
  const asked = h.cp.logRequests.at(-1)!;
  assert.equal(asked.tail, 5);
  assert.equal(asked.instance, 'a');
  assert.equal(asked.follow, true);
  const since = Date.parse(asked.since!);
  assert.ok(Math.abs(Date.now() - 15 * 60_000 - since) < 60_000, asked.since);
  assert.equal(asked.signal.aborted, true, 'the reading is ended once the answer is');
});

test('logs: a since that is neither a time nor a duration is 400; an unknown service 404; a runtime away 502', async () => {
  const bad = await h.app.inject({ method: 'GET', url: `${V}/services/${serviceId}/logs?since=yesterday`, headers: bearer(h.tokens.viewer) });
  assert.equal(bad.statusCode, 400, bad.body);
  assert.equal(bad.json().error.details[0].field, 'querystring/since');
  const missing = await h.app.inject({ method: 'GET', url: `${V}/services/7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11/logs`, headers: bearer(h.tokens.viewer) });
  assert.equal(missing.statusCode, 404);
  h.cp.failNext = new DomainError('UPSTREAM_UNAVAILABLE', 'the runtime did not answer: gone');
  const away = await h.app.inject({ method: 'GET', url: `${V}/services/${serviceId}/logs`, headers: bearer(h.tokens.viewer) });
  assert.equal(away.statusCode, 502, away.body);
  assert.equal(away.json().error.code, 'UPSTREAM_UNAVAILABLE');
});

test('instances and metrics as the control plane answers them; the window bounds the points', async () => {
  h.cp.instanceList = [
    { id: 'c1', name: 'web-0', version: 'v1', ready: true, state: 'RUNNING', restarts: 1, exitCode: 137, oomKilled: false, startedAt: '2024-05-01T10:00:00Z', node: 'host', cpuPercent: 1.5, memoryBytes: 1024 },
  ];
  const instances = await h.app.inject({ method: 'GET', url: `${V}/services/${serviceId}/instances`, headers: bearer(h.tokens.viewer) });
  assert.equal(instances.statusCode, 200, instances.body);
  assert.deepEqual(instances.json(), h.cp.instanceList);
  const old = new Date(Date.now() - 3 * 3600_000).toISOString();
  const recent = new Date(Date.now() - 60_000).toISOString();
  h.cp.metricPoints = [
    { ts: old, cpuPercent: 1, memoryBytes: 1 },
    { ts: recent, cpuPercent: 2, memoryBytes: 2 },
  ];
  const metrics = await h.app.inject({ method: 'GET', url: `${V}/services/${serviceId}/metrics?window=1h`, headers: bearer(h.tokens.viewer) });
  assert.equal(metrics.statusCode, 200, metrics.body);
  assert.deepEqual(metrics.json(), { available: true, intervalSeconds: 15, points: [{ ts: recent, cpuPercent: 2, memoryBytes: 2 }] });
  const bad = await h.app.inject({ method: 'GET', url: `${V}/services/${serviceId}/metrics?window=soon`, headers: bearer(h.tokens.viewer) });
  assert.equal(bad.statusCode, 400);
});

test('/metrics carries the services\' gauges labelled with their names', async () => {
  h.cp.usageNow = [{ serviceId, projectName: 'obs', environmentName: 'staging', serviceName: 'web', ts: new Date().toISOString(), cpuPercent: 12.5, memoryBytes: 4096 }];
  const res = await h.app.inject({ method: 'GET', url: `${V}/metrics`, headers: bearer(h.tokens.viewer) });
  assert.match(res.body, /slipway_service_cpu_percent\{project="obs",environment="staging",service="web"\} 12\.5/);
  assert.match(res.body, /slipway_service_memory_bytes\{project="obs",environment="staging",service="web"\} 4096/);
  h.cp.usageNow = [];
  const after = await h.app.inject({ method: 'GET', url: `${V}/metrics`, headers: bearer(h.tokens.viewer) });
  assert.doesNotMatch(after.body, /service="web"/);
});
