import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../src/domain/index.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

const V = '/api/v1';

/** POST /environments/{id}/clone (docs/teams.md#clone). */
describe('API: clone an environment', () => {
  let h: Harness;
  let projectId: string;
  let sourceId: string;
  const SECRET = 'web-api-token-1';

  before(async () => {
    h = await startHarness({ buildRegistry: false });
    const admin = bearer(h.tokens.admin);
    const post = async (url: string, payload: object) => {
      const res = await h.app.inject({ method: 'POST', url: `${V}${url}`, headers: admin, payload });
      assert.ok(res.statusCode < 300, res.body);
      return res.json();
    };
    projectId = (await post('/projects', { name: 'shop' })).id;
    sourceId = (await post(`/projects/${projectId}/environments`, { name: 'staging', settings: { maxParallelDeploys: 3 } })).id;
    const stage = await post(`/environments/${sourceId}/stages`, { name: 'early', order: 150 });
    await post(`/environments/${sourceId}/services`, { name: 'db', type: 'database', source: { engine: 'postgresql', version: '16' } });
    await post(`/environments/${sourceId}/services`, {
      name: 'migrate',
      type: 'job',
      source: { jobType: 'lifecycle', source: { image: { name: 'registry.test/migrate', tag: '1.0' } } },
    });
    await post(`/environments/${sourceId}/services`, {
      name: 'app',
      type: 'application',
      source: { git: { url: 'https://user:git-secret-tok@git.test/shop.git', branch: 'main' } },
    });
    const web = await post(`/environments/${sourceId}/services`, {
      name: 'web',
      type: 'container',
      source: { image: { name: 'registry.test/web', tag: '1.0' } },
      settings: { instances: 2, env: [{ key: 'TOKEN', value: SECRET, secret: true }] },
    });
    await h.app.inject({ method: 'PATCH', url: `${V}/services/${web.id}`, headers: admin, payload: { stageId: stage.id, skipEnvironmentActions: true } });
    await h.store.setTargetVersion(web.id, '0.9');
    await h.store.setDeployedState(web.id, { deployedVersion: '0.9', deployedSpecHash: 'h', deployedSpec: null });
    await h.app.inject({ method: 'PUT', url: `${V}/environments/${sourceId}/variables`, headers: admin, payload: [{ key: 'SHARED', value: 'env-secret-1', secret: true }] });
  });
  after(async () => h.close());

  const clone = (payload: object, token = h.tokens.admin) => h.app.inject({ method: 'POST', url: `${V}/environments/${sourceId}/clone`, headers: bearer(token), payload });
  const byName = (services: Service[]) => Object.fromEntries(services.map((s) => [s.name, s]));

  test('a new environment with copies of everything, nothing deployed, secrets kept but never shown, new database passwords', async () => {
    const res = await clone({ name: 'staging-copy' });
    assert.equal(res.statusCode, 201, res.body);
    const env = res.json();
    assert.equal(env.projectId, projectId);
    assert.equal(env.runtime, 'docker');
    assert.equal(env.settings.maxParallelDeploys, 3);
    assert.equal(env.state, 'READY');
    for (const secret of [SECRET, 'git-secret-tok', 'env-secret-1']) assert.ok(!res.body.includes(secret));

    const original = byName(await h.store.listServices(sourceId));
    const copies = byName(await h.store.listServices(env.id));
    assert.deepEqual(Object.keys(copies).sort(), ['app', 'db', 'migrate', 'web']);
    for (const name of Object.keys(copies)) {
      const copy = copies[name]!;
      assert.notEqual(copy.id, original[name]!.id);
      assert.equal(copy.status, 'READY', `${name} is READY`);
      assert.equal(copy.deployedVersion, null);
      assert.equal(copy.deployedSpec, null);
      assert.deepEqual(copy.source, original[name]!.source, `${name}: the same source (git credentials included)`);
    }
    assert.equal(copies.web!.settings.instances, 2);
    assert.deepEqual(copies.web!.settings.env, [{ key: 'TOKEN', value: SECRET, secret: true }], 'the secret is copied');
    assert.equal(copies.web!.targetVersion, '0.9', 'the pin is copied');
    assert.equal(copies.web!.skipEnvironmentActions, true);
    const stages = await h.store.listStages(env.id);
    assert.deepEqual(stages.map((s) => [s.name, s.order]), [['early', 150]]);
    assert.equal(copies.web!.stageId, stages[0]!.id, 'the service is in the copied stage');
    const password = (s: Service) => s.settings.env.find((v) => v.key === 'POSTGRES_PASSWORD')!;
    assert.notEqual(password(copies.db!).value, password(original.db!).value, 'its own database password');
    assert.equal(password(copies.db!).secret, true);
    assert.equal(copies.db!.settings.env.find((v) => v.key === 'POSTGRES_USER')!.value, original.db!.settings.env.find((v) => v.key === 'POSTGRES_USER')!.value);
    assert.deepEqual(await h.store.listVariables({ environmentId: env.id }), [{ key: 'SHARED', value: 'env-secret-1', secret: true }]);

    const services = await h.app.inject({ method: 'GET', url: `${V}/environments/${env.id}/services`, headers: bearer(h.tokens.viewer) });
    for (const secret of [SECRET, 'git-secret-tok', 'env-secret-1']) assert.ok(!services.body.includes(secret), 'never shown');
  });

  test('to kubernetes: refused naming the git service when no registry is configured; nothing created', async () => {
    const res = await clone({ name: 'on-k8s', runtime: 'kubernetes' });
    assert.equal(res.statusCode, 400, res.body);
    const details = res.json().error.details as Array<{ field: string; message: string }>;
    assert.equal(details.length, 1);
    assert.equal(details[0]!.field, 'body/runtime');
    assert.match(details[0]!.message, /service app cannot run on kubernetes: .*registry/);
    assert.ok(!(await h.store.listEnvironments(projectId)).some((e) => e.name === 'on-k8s'));
  });

  test('without a registry a kubernetes environment refuses a git service at creation and on PATCH, as clone does', async () => {
    const admin = bearer(h.tokens.admin);
    const k8s = (await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'k8s-no-registry', runtime: 'kubernetes' } })).json();
    const git = { git: { url: 'https://git.test/shop.git', branch: 'main' } };
    const created = await h.app.inject({ method: 'POST', url: `${V}/environments/${k8s.id}/services`, headers: admin, payload: { name: 'app', type: 'application', source: git } });
    assert.equal(created.statusCode, 400, created.body);
    assert.equal(created.json().error.details[0].field, 'body/source');
    assert.match(created.json().error.details[0].message, /registry.*SLIPWAY_REGISTRY/);
    assert.deepEqual(await h.store.listServices(k8s.id), [], 'nothing created');
    // A job built from git is refused the same; an image job is fine.
    const job = await h.app.inject({ method: 'POST', url: `${V}/environments/${k8s.id}/services`, headers: admin, payload: { name: 'migrate', type: 'job', source: { jobType: 'lifecycle', source: { image: { name: 'registry.test/migrate', tag: '1.0' } } } } });
    assert.equal(job.statusCode, 201, job.body);
    const patched = await h.app.inject({ method: 'PATCH', url: `${V}/services/${job.json().id}`, headers: admin, payload: { source: { jobType: 'lifecycle', source: git } } });
    assert.equal(patched.statusCode, 400, patched.body);
    assert.match(patched.json().error.details[0].message, /registry/);
  });

  test('refused: a name taken (409), a bad body (400), a deployer (403), an unknown environment (404)', async () => {
    assert.equal((await clone({ name: 'staging' })).statusCode, 409);
    assert.equal((await clone({ name: 'Bad Name' })).statusCode, 400);
    assert.equal((await clone({ name: 'x', runtime: 'mars' })).statusCode, 400);
    assert.equal((await clone({ name: 'x', extra: true })).statusCode, 400);
    assert.equal((await clone({ name: 'x' }, h.tokens.deployer)).statusCode, 403);
    const missing = await h.app.inject({ method: 'POST', url: `${V}/environments/7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11/clone`, headers: bearer(h.tokens.admin), payload: { name: 'x' } });
    assert.equal(missing.statusCode, 404);
  });
});

describe('API: clone to another runtime with a registry', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ buildRegistry: true })));
  after(async () => h.close());

  test('a git service may go to kubernetes; a file:// one may not', async () => {
    const admin = bearer(h.tokens.admin);
    const projectId = (await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'p' } })).json().id;
    const envId = (await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'dev' } })).json().id;
    const app = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${envId}/services`,
      headers: admin,
      payload: { name: 'app', type: 'application', source: { git: { url: 'https://git.test/shop.git', branch: 'main' } } },
    });
    assert.equal(app.statusCode, 201);
    const ok = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/clone`, headers: admin, payload: { name: 'dev-k8s', runtime: 'kubernetes' } });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().runtime, 'kubernetes');
    await h.app.inject({ method: 'PATCH', url: `${V}/services/${app.json().id}`, headers: admin, payload: { source: { git: { url: 'file:///srv/git/shop', branch: 'main' } } } });
    const refused = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/clone`, headers: admin, payload: { name: 'dev-k8s-2', runtime: 'kubernetes' } });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(refused.json().error.details[0].message, /service app cannot run on kubernetes: .*file/);
  });
});
