import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SERVICE_SETTINGS, deployedSpecOf } from '../../src/domain/index.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

/** The notification and rollback routes on a real store (the engine is the harness's double). */

const V = '/api/v1';
let h: Harness;
let admin: Record<string, string>;
let viewer: Record<string, string>;
let deployer: Record<string, string>;
let projectId: string;
let envId: string;

before(async () => {
  h = await startHarness();
  admin = bearer(h.tokens.admin);
  viewer = bearer(h.tokens.viewer);
  deployer = bearer(h.tokens.deployer);
  projectId = (await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'notify' } })).json().id;
  envId = (await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'prod' } })).json().id;
});
after(async () => h?.close());

describe('notifications', () => {
  it('creates one (url masked past its host, never the secret), lists, shows deliveries, deletes', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: `${V}/projects/${projectId}/notifications`,
      headers: admin,
      payload: { name: 'ops', url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET', events: ['deployment.failed', 'service.crashed'], format: 'slack', secret: 'signing-secret-1' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json();
    assert.equal(body.url, 'https://hooks.slack.com/********');
    assert.equal(body.signed, true);
    assert.equal(body.format, 'slack');
    assert.ok(!created.body.includes('XXXXSECRET') && !created.body.includes('signing-secret-1'));

    const list = (await h.app.inject({ method: 'GET', url: `${V}/projects/${projectId}/notifications`, headers: viewer })).json();
    assert.deepEqual(list.items.map((n: { name: string }) => n.name), ['ops']);
    assert.ok(!JSON.stringify(list).includes('XXXXSECRET'));
    const deliveries = await h.app.inject({ method: 'GET', url: `${V}/notifications/${body.id}/deliveries`, headers: viewer });
    assert.equal(deliveries.statusCode, 200);
    assert.deepEqual(deliveries.json().items, []);

    const dup = await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/notifications`, headers: admin, payload: { name: 'ops', url: 'https://example.com/x', events: ['deployment.succeeded'] } });
    assert.equal(dup.statusCode, 409);

    assert.equal((await h.app.inject({ method: 'DELETE', url: `${V}/notifications/${body.id}`, headers: viewer })).statusCode, 403);
    assert.equal((await h.app.inject({ method: 'DELETE', url: `${V}/notifications/${body.id}`, headers: admin })).statusCode, 204);
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/notifications/${body.id}/deliveries`, headers: viewer })).statusCode, 404);
  });

  it('refuses loopback, link-local and metadata URLs, unknown events, and a viewer', async () => {
    for (const url of ['http://127.0.0.1:9/x', 'http://169.254.169.254/latest', 'http://localhost/x', 'http://[::1]/']) {
      const res = await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/notifications`, headers: admin, payload: { name: 'bad', url, events: ['deployment.failed'] } });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().error.details[0].field, 'body/url');
    }
    const event = await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/notifications`, headers: admin, payload: { name: 'bad', url: 'https://example.com/', events: ['service.exploded'] } });
    assert.equal(event.statusCode, 400);
    const role = await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/notifications`, headers: viewer, payload: { name: 'bad', url: 'https://example.com/', events: ['deployment.failed'] } });
    assert.equal(role.statusCode, 403);
  });
});

describe('rollback', () => {
  /** A deployment of `web` at `tag` that ended with `status`, recorded as the engine records it. */
  async function deployed(serviceId: string, tag: string, settings: typeof DEFAULT_SERVICE_SETTINGS, status: 'SUCCESS' | 'ERROR') {
    const service = (await h.store.getService(serviceId))!;
    const d = (await h.store.startIfIdle({ environmentId: envId, request: { action: 'REDEPLOY', level: 'service', serviceIds: [serviceId], versions: {} }, origin: 'API', triggeredBy: 't' }, 'o', 60_000))!;
    await h.store.recordDeploymentServices(d.id, [{ serviceId, name: service.name, type: 'container', stageName: 'containers', stageOrder: 4, version: tag, status: 'QUEUED' }]);
    const source = { image: { name: 'registry.test/web', tag } };
    await h.store.setDeployedState(serviceId, { deployedVersion: tag, deployedSpecHash: null, deployedSpec: deployedSpecOf({ source, settings }) });
    await h.store.setDeploymentServiceStatus(d.id, serviceId, status === 'SUCCESS' ? 'DEPLOYED' : 'DEPLOYMENT_ERROR');
    await h.store.finishDeployment(d.id, status, null);
    return d.id;
  }

  it('previews and queues a rollback of a successful deployment; refuses a failed one, an unknown one, and one whose services are gone', async () => {
    const web = (await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin, payload: { name: 'web', type: 'container', source: { image: { name: 'registry.test/web', tag: '1.0' } } } })).json();
    const v1Settings = { ...DEFAULT_SERVICE_SETTINGS, instances: 1, env: [{ key: 'MODE', value: 'one', secret: false }] };
    const good = await deployed(web.id, '1.0', v1Settings, 'SUCCESS');
    const failed = await deployed(web.id, '3.0', { ...v1Settings, instances: 5 }, 'ERROR');
    await deployed(web.id, '2.0', { ...v1Settings, instances: 2 }, 'SUCCESS');
    await h.store.updateService(web.id, { source: { image: { name: 'registry.test/web', tag: '2.0' } }, settings: { ...v1Settings, instances: 2, env: [{ key: 'MODE', value: 'two', secret: false }] } });

    const preview = await h.app.inject({ method: 'GET', url: `${V}/deployments/${good}/rollback`, headers: viewer });
    assert.equal(preview.statusCode, 200, preview.body);
    assert.deepEqual(preview.json().changes, [{ serviceId: web.id, name: 'web', fromVersion: '2.0', toVersion: '1.0', fields: ['source', 'env', 'instances'] }]);

    assert.equal((await h.app.inject({ method: 'POST', url: `${V}/deployments/${good}/rollback`, headers: viewer })).statusCode, 403);
    const accepted = await h.app.inject({ method: 'POST', url: `${V}/deployments/${good}/rollback`, headers: deployer });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const submitted = h.cp.submits.at(-1)!;
    assert.equal(submitted.action, 'DEPLOY_VERSION');
    assert.equal(submitted.rollbackOf, good);
    assert.deepEqual(submitted.versions, { [web.id]: '1.0' });
    const queued = (await h.app.inject({ method: 'GET', url: `${V}/deployments/${accepted.json().deploymentId}`, headers: viewer })).json();
    assert.equal(queued.rollbackOf, good, 'the history names the deployment rolled back to');

    for (const method of ['GET', 'POST'] as const) {
      const refused = await h.app.inject({ method, url: `${V}/deployments/${failed}/rollback`, headers: deployer });
      assert.equal(refused.statusCode, 409, `${method} failed deployment`);
      assert.equal(refused.json().error.code, 'ACTION_NOT_AVAILABLE');
      assert.match(refused.json().error.details.reason, /SUCCESS/);
    }
    assert.equal((await h.app.inject({ method: 'POST', url: `${V}/deployments/00000000-0000-4000-8000-000000000000/rollback`, headers: deployer })).statusCode, 404);

    await h.store.deleteService(web.id);
    const gone = await h.app.inject({ method: 'POST', url: `${V}/deployments/${good}/rollback`, headers: deployer });
    assert.equal(gone.statusCode, 409);
    assert.match(gone.json().error.details.reason, /web \(deleted since\)/);
  });
});
