import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { planStages } from '../../src/domain/index.js';
import { SECRET_MASK } from '../../src/api/present.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

/**
 * The API of user-defined stages (docs/queue-and-cancel.md#stages), of cron job runs, and the
 * credentials a container database gets at creation (docs/resources.md#databases).
 */

const V = '/api/v1';
let h: Harness;
let envId: string;
let admin: Record<string, string>;

before(async () => {
  h = await startHarness();
  admin = bearer(h.tokens.admin);
  const p = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'stages' } });
  const e = await h.app.inject({ method: 'POST', url: `${V}/projects/${p.json().id}/environments`, headers: admin, payload: { name: 'prod' } });
  envId = e.json().id;
});
after(async () => h.close());

async function createService(name: string, type: string, source: unknown): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin, payload: { name, type, source } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

describe('stages', () => {
  test('list shows the default stages in order; create, rename, reorder, delete a stage; names are unique', async () => {
    const list = await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/stages`, headers: bearer(h.tokens.viewer) });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list.json().items.map((s: { name: string }) => s.name),
      ['databases', 'lifecycle jobs', 'cron jobs', 'containers', 'applications'],
    );

    const created = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/stages`, headers: admin, payload: { name: 'warm caches' } });
    assert.equal(created.statusCode, 201, created.body);
    const stage = created.json();
    assert.equal(stage.order, 600, 'without order: after every other stage');
    assert.equal(stage.builtIn, false);

    const moved = await h.app.inject({ method: 'PATCH', url: `${V}/stages/${stage.id}`, headers: admin, payload: { order: 150, name: 'migrations' } });
    assert.equal(moved.statusCode, 200, moved.body);
    const names = (await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/stages`, headers: admin })).json().items.map((s: { name: string }) => s.name);
    assert.deepEqual(names, ['databases', 'migrations', 'lifecycle jobs', 'cron jobs', 'containers', 'applications']);

    const duplicate = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/stages`, headers: admin, payload: { name: 'Databases' } });
    assert.equal(duplicate.statusCode, 409);
    const blank = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/stages`, headers: admin, payload: { name: '' } });
    assert.equal(blank.statusCode, 400);
    const viewer = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/stages`, headers: bearer(h.tokens.viewer), payload: { name: 'x' } });
    assert.equal(viewer.statusCode, 403);
  });

  test('a service moves to a stage and is planned there; skipEnvironmentActions; deleting the stage moves it back', async () => {
    const stage = (await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/stages`, headers: admin, payload: { name: 'first', order: 50 } })).json();
    const web = await createService('web-1', 'container', { image: { name: 'nginx', tag: '1' } });
    const patched = await h.app.inject({ method: 'PATCH', url: `${V}/services/${web}`, headers: admin, payload: { stageId: stage.id, skipEnvironmentActions: true } });
    assert.equal(patched.statusCode, 200, patched.body);
    const service = (await h.store.getService(web))!;
    assert.equal(service.stageId, stage.id);
    assert.equal(service.skipEnvironmentActions, true);
    const planned = planStages([service], await h.store.listStages(envId), 'deploy');
    assert.deepEqual(planned.map((p) => p.name), ['first']);

    const unknown = await h.app.inject({ method: 'PATCH', url: `${V}/services/${web}`, headers: admin, payload: { stageId: '7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11' } });
    assert.equal(unknown.statusCode, 400);

    const deleted = await h.app.inject({ method: 'DELETE', url: `${V}/stages/${stage.id}`, headers: admin });
    assert.equal(deleted.statusCode, 204);
    assert.equal((await h.store.getService(web))!.stageId, null);
    assert.equal((await h.app.inject({ method: 'DELETE', url: `${V}/stages/${stage.id}`, headers: admin })).statusCode, 404);
  });
});

describe('container databases and job runs', () => {
  test('a container database gets generated credentials at creation, shown masked', async () => {
    const id = await createService('orders-db', 'database', { engine: 'mysql', version: '8', mode: 'container', storageGb: 1 });
    const shown = (await h.app.inject({ method: 'GET', url: `${V}/services/${id}`, headers: admin })).json();
    const env = shown.settings.env as Array<{ key: string; value: string; secret: boolean }>;
    assert.deepEqual(env.find((v) => v.key === 'MYSQL_PASSWORD'), { key: 'MYSQL_PASSWORD', value: SECRET_MASK, secret: true });
    assert.equal(env.find((v) => v.key === 'MYSQL_USER')?.value, 'orders_db');
    const stored = (await h.store.getService(id))!.settings.env.find((v) => v.key === 'MYSQL_PASSWORD')!;
    assert.ok(stored.value.length >= 16 && stored.value !== SECRET_MASK);
  });

  test('GET /services/{id}/runs and /job-runs/{id}/logs show recorded runs', async () => {
    const id = await createService('tick', 'job', { jobType: 'cron', schedule: '*/5 * * * * *', source: { image: { name: 'busybox', tag: '1' } } });
    const run = (await h.store.startJobRun({ serviceId: id, environmentId: envId, scheduledFor: '2026-01-01T00:00:05.000Z', version: '1', staleBefore: '2025-01-01T00:00:00.000Z' }))!;
    assert.equal(await h.store.startJobRun({ serviceId: id, environmentId: envId, scheduledFor: '2026-01-01T00:00:10.000Z', version: '1', staleBefore: '2025-01-01T00:00:00.000Z' }), null, 'no overlapping run');
    await h.store.appendJobRunLog(run.id, { ts: '2026-01-01T00:00:05.100Z', level: 'info', message: 'hello' });
    await h.store.finishJobRun(run.id, { status: 'FAILED', exitCode: 2, message: 'exited with code 2' });
    assert.equal(await h.store.startJobRun({ serviceId: id, environmentId: envId, scheduledFor: '2026-01-01T00:00:05.000Z', version: '1', staleBefore: '2025-01-01T00:00:00.000Z' }), null, 'a tick runs once');

    const runs = await h.app.inject({ method: 'GET', url: `${V}/services/${id}/runs`, headers: bearer(h.tokens.viewer) });
    assert.equal(runs.statusCode, 200, runs.body);
    assert.deepEqual(
      runs.json().items.map((r: { status: string; exitCode: number }) => [r.status, r.exitCode]),
      [['FAILED', 2]],
    );
    const logs = await h.app.inject({ method: 'GET', url: `${V}/job-runs/${run.id}/logs`, headers: bearer(h.tokens.viewer) });
    assert.equal(logs.statusCode, 200);
    assert.deepEqual(logs.json().items.map((l: { message: string }) => l.message), ['hello']);
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/job-runs/7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11/logs`, headers: admin })).statusCode, 404);
  });
});
