import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, startHarness, type Harness } from './api-harness.js';

/**
 * Managed databases need a provider (docs/resources.md#databases): without one configured, creating one (or
 * turning a container database into one) is refused with the reason and the setting to set;
 * with one, it is created as before.
 */

const V = '/api/v1';
let h: Harness;
let envId: string;
let admin: Record<string, string>;

const managedBody = (name: string) => ({
  name,
  type: 'database',
  source: { engine: 'postgresql', version: '16', mode: 'managed', storageGb: 20 },
});

before(async () => {
  h = await startHarness();
  admin = bearer(h.tokens.admin);
  const project = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'shop' } });
  const env = await h.app.inject({ method: 'POST', url: `${V}/projects/${project.json().id}/environments`, headers: admin, payload: { name: 'prod' } });
  assert.equal(env.statusCode, 201, env.body);
  envId = env.json().id;
});

after(async () => {
  await h?.close();
});

function assertRefused(res: { statusCode: number; json(): unknown; body: string }): void {
  assert.equal(res.statusCode, 400, res.body);
  const { error } = res.json() as { error: { code: string; message: string; details: Array<{ field: string; message: string }> } };
  assert.equal(error.code, 'VALIDATION_FAILED');
  const detail = error.details.find((d) => d.field === 'body/source/mode');
  assert.ok(detail, JSON.stringify(error.details));
  assert.match(detail.message, /no managed database provider is configured/);
  assert.match(detail.message, /SLIPWAY_AWS_REGION/);
}

describe('managed databases without a provider', () => {
  test('creating one is 400 VALIDATION_FAILED naming the setting, and creates nothing', async () => {
    h.cp.managedDatabases = false;
    const res = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin, payload: managedBody('main-db') });
    assertRefused(res);
    const list = await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/services`, headers: admin });
    assert.deepEqual(list.json().items, []);
  });

  test('a container database cannot be turned into a managed one; an existing managed one stays editable', async () => {
    h.cp.managedDatabases = false;
    const created = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${envId}/services`,
      headers: admin,
      payload: { name: 'local-db', type: 'database', source: { engine: 'postgresql', version: '16', mode: 'container', storageGb: 1 } },
    });
    assert.equal(created.statusCode, 201, created.body);
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `${V}/services/${created.json().id}`,
      headers: admin,
      payload: { source: { engine: 'postgresql', version: '16', mode: 'managed', storageGb: 1 } },
    });
    assertRefused(patched);

    // A managed database created before this rule (or while a provider was configured).
    h.cp.managedDatabases = true;
    const orphan = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin, payload: managedBody('old-db') });
    assert.equal(orphan.statusCode, 201, orphan.body);
    h.cp.managedDatabases = false;
    const renamed = await h.app.inject({ method: 'PATCH', url: `${V}/services/${orphan.json().id}`, headers: admin, payload: { name: 'older-db' } });
    assert.equal(renamed.statusCode, 200, renamed.body);
  });
});
