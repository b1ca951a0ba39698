import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startHarness, type Harness } from './api-harness.js';

const V = '/api/v1';

/** The audit log (docs/teams.md#audit-log): who did what to which resource, when, how it ended; never a secret value. */
describe('API: audit log', () => {
  let h: Harness;
  let projectId: string;
  let otherProjectId: string;
  let envId: string;
  let serviceId: string;
  let limited: string;
  const SECRET = 'audit-secret-value-1';

  before(async () => {
    h = await startHarness();
    const admin = bearer(h.tokens.admin);
    const call = async (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = admin) =>
      h.app.inject({ method, url: `${V}${url}`, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
    projectId = (await call('POST', '/projects', { name: 'audited' })).json().id;
    otherProjectId = (await call('POST', '/projects', { name: 'elsewhere' })).json().id;
    envId = (await call('POST', `/projects/${projectId}/environments`, { name: 'staging' })).json().id;
    serviceId = (
      await call('POST', `/environments/${envId}/services`, {
        name: 'web',
        type: 'container',
        source: { image: { name: 'registry.test/web', tag: '1.0' } },
        settings: { env: [{ key: 'TOKEN', value: SECRET, secret: true }] },
      })
    ).json().id;
    await call('PATCH', `/services/${serviceId}`, { settings: { instances: 2, env: [{ key: 'TOKEN', value: `${SECRET}-2`, secret: true }] } });
    await call('PUT', `/projects/${projectId}/variables`, [{ key: 'API_KEY', value: `${SECRET}-3`, secret: true }]);
    await call('POST', `/services/${serviceId}/deploy`, undefined, bearer(h.tokens.deployer));
    // Refused: recorded with its status.
    await call('PATCH', `/projects/${projectId}`, { name: 'renamed' }, bearer(h.tokens.viewer));
    await call('POST', `/environments/${envId}/clone`, { name: 'copy' });
    await call('PATCH', `/projects/${otherProjectId}`, { name: 'elsewhere-2' });
    limited = (await h.store.createToken({ name: 'team', role: 'admin', projects: [projectId] })).token;
  });
  after(async () => h.close());

  const audit = (query = '', token = h.tokens.admin) => h.app.inject({ method: 'GET', url: `${V}/audit${query}`, headers: bearer(token) });

  test('records each change with the token name, action, resource, field names and status; never a secret value', async () => {
    const res = await audit(`?projectId=${projectId}&limit=100`);
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.includes(SECRET), 'no secret value in the audit log');
    const rows = (res.json().items as Array<Record<string, unknown>>).map((e) => `${e.tokenName} ${e.action} ${e.resourceType} ${e.statusCode} [${(e.fields as string[]).join(',')}]`);
    assert.deepEqual(rows, [
      't-admin clone environment 201 [name]',
      't-viewer update project 403 []',
      't-deployer deploy service 202 []',
      't-admin update project.variables 200 [API_KEY]',
      't-admin update service 200 [settings.env,settings.instances]',
      't-admin create service 201 [name,settings.env,source.image,type]',
      't-admin create environment 201 [name]',
      't-admin create project 201 [name]',
    ], 'newest first (a request refused before its body was read names no field)');
    const first = (res.json().items as Array<{ resourceId: string; projectId: string; path: string; at: string }>).at(-1)!;
    assert.equal(first.resourceId, projectId);
    assert.equal(first.projectId, projectId);
    assert.ok(Date.parse(first.at) > 0);
  });

  test('filters by project and time, pages, and shows a limited token its projects alone; admin only', async () => {
    const all = (await audit('?limit=100')).json().items as Array<{ projectId: string | null }>;
    assert.ok(all.some((e) => e.projectId === otherProjectId));
    const page1 = (await audit(`?projectId=${projectId}&limit=3`)).json();
    assert.equal(page1.items.length, 3);
    const page2 = (await audit(`?projectId=${projectId}&limit=3&cursor=${page1.nextCursor}`)).json();
    assert.equal(page2.items.length, 3);
    assert.ok(page2.items.every((e: { id: string }) => !page1.items.some((f: { id: string }) => f.id === e.id)));
    assert.deepEqual((await audit(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).json().items, []);
    assert.equal((await audit('?since=yesterday')).statusCode, 400);
    assert.equal((await audit('?until=tomorrow')).statusCode, 400);
    const names = async (query: string) =>
      ((await audit(`?projectId=${projectId}&limit=100&${query}`)).json().items as Array<Record<string, unknown>>).map((e) => `${e.tokenName} ${e.action} ${e.resourceType}`);
    assert.deepEqual(await names('tokenName=t-deployer'), ['t-deployer deploy service']);
    assert.deepEqual(await names('action=update&resourceType=project.variables'), ['t-admin update project.variables']);
    assert.deepEqual(await names(`resourceId=${serviceId}&tokenName=t-admin`), ['t-admin update service', 't-admin create service']);
    assert.deepEqual(await names(`until=${new Date(Date.now() - 3_600_000).toISOString()}`), []);
    const mine = (await audit('?limit=100', limited)).json().items as Array<{ projectId: string }>;
    assert.ok(mine.length > 0 && mine.every((e) => e.projectId === projectId));
    assert.equal((await audit(`?projectId=${otherProjectId}`, limited)).statusCode, 404);
    assert.equal((await audit('', h.tokens.deployer)).statusCode, 403);
    assert.equal((await audit('', h.tokens.viewer)).statusCode, 403);
  });
});
