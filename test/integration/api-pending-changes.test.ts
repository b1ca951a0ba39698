import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { deployedSpecOf } from '../../src/domain/index.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

const V = '/api/v1';

/**
 * pendingChanges / pendingFields on every service object (docs/actions.md#pending-changes). The
 * deploys are played by writing the deployed state as the engine does when a deploy succeeds.
 */
describe('API: pending changes', () => {
  let h: Harness;
  let envId: string;
  before(async () => {
    h = await startHarness();
    const admin = bearer(h.tokens.admin);
    const project = (await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'pending' } })).json();
    envId = (await h.app.inject({ method: 'POST', url: `${V}/projects/${project.id}/environments`, headers: admin, payload: { name: 'staging' } })).json().id;
  });
  after(async () => h.close());

  const createService = (payload: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: bearer(h.tokens.admin), payload });

  async function deployAsEngine(serviceId: string): Promise<void> {
    const service = (await h.store.getService(serviceId))!;
    await h.store.setDeployedState(serviceId, { deployedVersion: '1.0', deployedSpecHash: 'h', deployedSpec: deployedSpecOf(service) });
  }

  test('never deployed: false; after edits to a deployed service: the fields; after a deploy: false again', async () => {
    const admin = bearer(h.tokens.admin);
    const viewer = bearer(h.tokens.viewer);
    const created = await createService({
      name: 'web',
      type: 'container',
      source: { image: { name: 'registry.test/web', tag: '1.0' } },
      settings: { env: [{ key: 'TOKEN', value: 'first-secret', secret: true }] },
    });
    assert.equal(created.statusCode, 201);
    const id = created.json().id as string;
    assert.deepEqual(pick(created.json()), { pendingChanges: false, pendingFields: [] });
    assert.deepEqual(pick((await h.app.inject({ method: 'GET', url: `${V}/services/${id}`, headers: viewer })).json()), { pendingChanges: false, pendingFields: [] });

    await deployAsEngine(id);
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `${V}/services/${id}`,
      headers: admin,
      payload: { settings: { instances: 3, env: [{ key: 'TOKEN', value: 'second-secret', secret: true }] } },
    });
    assert.equal(patched.statusCode, 200);
    assert.deepEqual(pick(patched.json()), { pendingChanges: true, pendingFields: ['env', 'instances'] });
    assert.ok(!patched.body.includes('second-secret') && !patched.body.includes('first-secret'), 'no secret value in the answer');

    const one = (await h.app.inject({ method: 'GET', url: `${V}/services/${id}`, headers: viewer })).json();
    assert.deepEqual(pick(one), { pendingChanges: true, pendingFields: ['env', 'instances'] });
    const list = (await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/services`, headers: viewer })).json();
    assert.deepEqual(pick(list.items.find((s: { id: string }) => s.id === id)), { pendingChanges: true, pendingFields: ['env', 'instances'] });
    assert.equal(list.items[0].settings.instances, 3, 'the undeclared fields still pass');

    await h.app.inject({ method: 'PATCH', url: `${V}/services/${id}`, headers: admin, payload: { source: { image: { name: 'registry.test/web', tag: '1.1' } } } });
    assert.deepEqual(pick((await h.app.inject({ method: 'GET', url: `${V}/services/${id}`, headers: viewer })).json()).pendingFields, ['source', 'env', 'instances']);

    await deployAsEngine(id);
    assert.deepEqual(pick((await h.app.inject({ method: 'GET', url: `${V}/services/${id}`, headers: viewer })).json()), { pendingChanges: false, pendingFields: [] });
  });

  test('the status and the service views read past a deployed spec the store cannot open: 200, compared on the version only', async () => {
    const viewer = bearer(h.tokens.viewer);
    const created = await createService({ name: 'unreadable', type: 'container', source: { image: { name: 'registry.test/unreadable', tag: '1.0' } } });
    const id = created.json().id as string;
    await deployAsEngine(id);
    // As a store opening leaves a deploy whose sealed spec it could not open: no config digest.
    const sqlite = new SqliteDatabase(join(h.dataDir, 'slipway.db'));
    try {
      sqlite.prepare("update service_deployed_specs set spec = 'not a sealed value' where service_id = ?").run(id);
      sqlite.prepare('update services set deployed_config_digest = null where id = ?').run(id);
    } finally {
      sqlite.close();
    }
    const get = async (url: string) => {
      const answer = await h.app.inject({ method: 'GET', url: `${V}${url}`, headers: viewer });
      assert.equal(answer.statusCode, 200, `${url}: ${answer.body}`);
      return answer.json();
    };
    const views = async () => {
      const byId = (list: Array<{ id: string; pendingChanges: boolean; pendingFields: string[] }>) => list.find((s) => s.id === id)!;
      return [
        pick(byId((await get(`/environments/${envId}/status`)).services)),
        pick(await get(`/services/${id}`)),
        pick(byId((await get(`/environments/${envId}/services`)).items)),
      ];
    };
    const nothing = { pendingChanges: false, pendingFields: [] };
    assert.deepEqual(await views(), [nothing, nothing, nothing]);
    await h.store.setTargetVersion(id, '2.0');
    const source = { pendingChanges: true, pendingFields: ['source'] };
    assert.deepEqual(await views(), [source, source, source]);
  });

  test('the OpenAPI document declares pendingChanges and pendingFields on the service responses', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: `${V}/openapi.json`, headers: bearer(h.tokens.viewer) })).json();
    const schemaOf = (path: string, status: string): Record<string, unknown> =>
      doc.paths[`/api/v1${path}`].get.responses[status].content['application/json'].schema;
    const one = schemaOf('/services/{id}', '200') as { properties: Record<string, { type: string }> };
    assert.equal(one.properties.pendingChanges!.type, 'boolean');
    assert.equal(one.properties.pendingFields!.type, 'array');
    const list = schemaOf('/environments/{id}/services', '200') as { properties: { items: { items: { properties: Record<string, unknown> } } } };
    assert.ok(list.properties.items.items.properties.pendingFields);
  });
});

function pick(service: { pendingChanges: boolean; pendingFields: string[] }): { pendingChanges: boolean; pendingFields: string[] } {
  return { pendingChanges: service.pendingChanges, pendingFields: service.pendingFields };
}
