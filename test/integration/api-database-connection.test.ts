import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS } from '../../src/domain/index.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

/** GET /services/{id}/connection: a container database's credentials in clear, for deployers and admins only. */

const V = '/api/v1';
let h: Harness;
let databaseId = '';
let webId = '';

before(async () => {
  h = await startHarness();
  const project = await h.store.createProject({ name: 'conn' });
  const env = await h.store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  const create = async (body: Record<string, unknown>) => {
    const res = await h.app.inject({ method: 'POST', url: `${V}/environments/${env.id}/services`, headers: bearer(h.tokens.admin), payload: body });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id as string;
  };
  databaseId = await create({ name: 'main-db', type: 'database', source: { engine: 'postgresql', version: '15' } });
  webId = await create({ name: 'web', type: 'container', source: { image: { name: 'nginx', tag: '1' } } });
});

after(async () => h?.close());

test('a deployer gets the host, port, user, password, database and URL the other services are given', async () => {
  const res = await h.app.inject({ method: 'GET', url: `${V}/services/${databaseId}/connection`, headers: bearer(h.tokens.deployer) });
  assert.equal(res.statusCode, 200, res.body);
  const c = res.json();
  assert.equal(c.engine, 'postgresql');
  assert.equal(c.host, 'main-db');
  assert.equal(c.port, 5432);
  assert.ok(c.user.length > 0 && c.database.length > 0);
  assert.ok(c.password.length >= 16 && c.password !== '********', 'the password in clear');
  assert.equal(c.url, `postgresql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@main-db:5432/${c.database}`);

  // What the web service is given instead is masked: this route is the one place the console reads it.
  const env = await h.app.inject({ method: 'GET', url: `${V}/services/${webId}/env`, headers: bearer(h.tokens.admin) });
  const items = env.json().items as Array<{ key: string; value: string }>;
  assert.equal(items.find((v) => v.key === 'MAIN_DB_PASSWORD')?.value, '********');
});

test('a viewer is refused; a service that is no container database is 409, naming why', async () => {
  const viewer = await h.app.inject({ method: 'GET', url: `${V}/services/${databaseId}/connection`, headers: bearer(h.tokens.viewer) });
  assert.equal(viewer.statusCode, 403, viewer.body);
  assert.doesNotMatch(viewer.body, /postgresql:\/\//);
  const web = await h.app.inject({ method: 'GET', url: `${V}/services/${webId}/connection`, headers: bearer(h.tokens.deployer) });
  assert.equal(web.statusCode, 409, web.body);
  assert.match(web.json().error.message, /not a container database/);
});
