import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deployedSpecOf, variablesReaching } from '../../src/domain/index.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

const V = '/api/v1';

/** Variables of projects and environments, and a service's effective env (docs/teams.md#variables). */
describe('API: variables', () => {
  let h: Harness;
  let projectId: string;
  let envId: string;
  let webId: string;
  let dbId: string;
  const SECRET = 'project-api-key-1';

  before(async () => {
    h = await startHarness();
    const admin = bearer(h.tokens.admin);
    projectId = (await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'vars' } })).json().id;
    envId = (await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'staging' } })).json().id;
    webId = (
      await h.app.inject({
        method: 'POST',
        url: `${V}/environments/${envId}/services`,
        headers: admin,
        payload: { name: 'web', type: 'container', source: { image: { name: 'registry.test/web', tag: '1.0' } }, settings: { env: [{ key: 'LOG', value: 'warn' }] } },
      })
    ).json().id;
    dbId = (
      await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin, payload: { name: 'main-db', type: 'database', source: { engine: 'postgresql', version: '16' } } })
    ).json().id;
  });
  after(async () => h.close());

  const put = (url: string, payload: unknown, token = h.tokens.admin) => h.app.inject({ method: 'PUT', url: `${V}${url}`, headers: bearer(token), payload: payload as object });
  const get = (url: string, token = h.tokens.viewer) => h.app.inject({ method: 'GET', url: `${V}${url}`, headers: bearer(token) });

  test('PUT replaces a scope\'s variables; GET shows them, secrets masked; the mask keeps a secret', async () => {
    const res = await put(`/projects/${projectId}/variables`, [
      { key: 'LOG', value: 'info' },
      { key: 'REGION', value: 'eu' },
      { key: 'API_KEY', value: SECRET, secret: true },
    ]);
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.includes(SECRET));
    const listed = (await get(`/projects/${projectId}/variables`)).json().items;
    assert.deepEqual(listed, [
      { key: 'LOG', value: 'info', secret: false },
      { key: 'REGION', value: 'eu', secret: false },
      { key: 'API_KEY', value: '********', secret: true },
    ]);
    const kept = await put(`/projects/${projectId}/variables`, listed);
    assert.equal(kept.statusCode, 200, kept.body);
    assert.equal((await h.store.listVariables({ projectId }))[2]!.value, SECRET, 'the mask sent back keeps the value');

    assert.equal((await put(`/environments/${envId}/variables`, [{ key: 'REGION', value: 'us' }])).statusCode, 200);
    assert.deepEqual((await get(`/environments/${envId}/variables`)).json().items, [{ key: 'REGION', value: 'us', secret: false }]);
  });

  test('refused: duplicate keys, a short secret, the mask for a new secret, bad keys, a viewer or deployer writing, an unknown scope', async () => {
    const dup = await put(`/projects/${projectId}/variables`, [{ key: 'A', value: '1' }, { key: 'A', value: '2' }]);
    assert.equal(dup.statusCode, 400);
    assert.equal(dup.json().error.details[0].field, 'body/1/key');
    const short = await put(`/projects/${projectId}/variables`, [{ key: 'S', value: 'abc', secret: true }]);
    assert.equal(short.statusCode, 400);
    assert.equal(short.json().error.details[0].field, 'body/0/value');
    assert.equal((await put(`/projects/${projectId}/variables`, [{ key: 'NEW', value: '********', secret: true }])).statusCode, 400);
    assert.equal((await put(`/projects/${projectId}/variables`, [{ key: '1BAD', value: 'x' }])).statusCode, 400);
    assert.equal((await put(`/projects/${projectId}/variables`, [{ key: 'A', value: 'x', extra: 1 }])).statusCode, 400);
    assert.equal((await put(`/projects/${projectId}/variables`, [], h.tokens.viewer)).statusCode, 403);
    assert.equal((await put(`/projects/${projectId}/variables`, [], h.tokens.deployer)).statusCode, 403);
    assert.equal((await put(`/environments/7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11/variables`, [])).statusCode, 404);
    assert.equal((await get(`/projects/7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11/variables`)).statusCode, 404);
    // Nothing changed by the refusals.
    assert.equal((await h.store.listVariables({ projectId })).length, 3);
  });

  test('GET /services/{id}/env: each effective value with its scope, secrets masked', async () => {
    const res = await get(`/services/${webId}/env`);
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.includes(SECRET));
    const items = res.json().items as Array<{ key: string; value: string; secret: boolean; scope: string }>;
    const byKey = Object.fromEntries(items.map((v) => [v.key, `${v.value}@${v.scope}`]));
    assert.equal(byKey.LOG, 'warn@service', 'its own env wins');
    assert.equal(byKey.REGION, 'us@environment', 'the environment overrides the project');
    assert.equal(byKey.API_KEY, '********@project');
    assert.equal(byKey.MAIN_DB_PASSWORD, '********@database', 'the database connection, masked');
    assert.equal(byKey.MAIN_DB_URL, '********@database');
    assert.deepEqual(items.map((v) => v.key), [...items.map((v) => v.key)].sort(), 'in key order');
    // A database takes no shared variable.
    const db = (await get(`/services/${dbId}/env`)).json().items as Array<{ key: string; scope: string }>;
    assert.ok(db.every((v) => v.scope === 'service'), JSON.stringify(db));
    assert.ok(!db.some((v) => v.key === 'REGION'));
  });

  test('a change of a variable gives the services it reaches pendingChanges (field variables), not the others', async () => {
    for (const id of [webId, dbId]) {
      const service = (await h.store.getService(id))!;
      const env = (await h.store.getEnvironment(envId))!;
      await h.store.setDeployedState(id, { deployedVersion: '1.0', deployedSpecHash: 'h', deployedSpec: deployedSpecOf(service, undefined, variablesReaching(service, await h.store.scopedVariables(env))) });
    }
    const fields = async (id: string) => (await get(`/services/${id}`)).json().pendingFields;
    assert.deepEqual(await fields(webId), []);
    await put(`/environments/${envId}/variables`, [{ key: 'REGION', value: 'ap' }]);
    assert.deepEqual(await fields(webId), ['variables']);
    assert.deepEqual(await fields(dbId), [], 'a database is not reached');
    const status = (await get(`/environments/${envId}/status`)).json();
    assert.deepEqual(status.services.find((s: { id: string }) => s.id === webId).pendingFields, ['variables']);
    const list = (await get(`/environments/${envId}/services`)).json();
    assert.equal(list.items.find((s: { id: string }) => s.id === webId).pendingChanges, true);
    // A variable the service sets itself does not reach it.
    await put(`/environments/${envId}/variables`, [{ key: 'REGION', value: 'us' }, { key: 'LOG', value: 'trace' }]);
    assert.deepEqual(await fields(webId), []);
  });
});
