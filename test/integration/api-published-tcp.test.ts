import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startHarness, type Harness } from './api-harness.js';

const V = '/api/v1';

function service(name: string, instances: number, protocol: 'tcp' | 'http', isPublic = true) {
  return {
    name,
    type: 'container',
    source: { image: { name: 'registry.test/app', tag: '1.0' } },
    settings: { instances, ports: [{ containerPort: 5432, public: isPublic, protocol }] },
  };
}

/** With the Caddy edge Docker publishes public tcp ports on one container (docs/edge.md#tcp-ports): such a docker service runs one instance. */
describe('API: a docker service with a public tcp port Docker publishes runs one instance', () => {
  let h: Harness;
  let dockerEnv = '';
  const admin = () => bearer(h.tokens.admin);
  const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url: `${V}${url}`, headers: admin(), payload });

  before(async () => {
    h = await startHarness();
    const project = (await post('/projects', { name: 'shop' })).json<{ id: string }>();
    dockerEnv = (await post(`/projects/${project.id}/environments`, { name: 'prod' })).json<{ id: string }>().id;
  });
  after(() => h.close());

  test('creating one with 2 instances is 400 naming settings/instances and the port', async () => {
    const res = await post(`/environments/${dockerEnv}/services`, service('pair', 2, 'tcp'));
    assert.equal(res.statusCode, 400, res.body);
    const details = (res.json() as { error: { details: Array<{ field: string; message: string }> } }).error.details;
    assert.deepEqual(details.map((d) => d.field), ['body/settings/instances']);
    assert.match(details[0]!.message, /public tcp port 5432 is published by Docker on one container/);
  });

  test('one instance, a private tcp port, or a public http port with 2 instances are accepted', async () => {
    for (const body of [service('one', 1, 'tcp'), service('private', 2, 'tcp', false), service('web', 2, 'http')]) {
      const res = await post(`/environments/${dockerEnv}/services`, body);
      assert.equal(res.statusCode, 201, `${body.name}: ${res.body}`);
    }
  });

  test('changing the instances of one to 2 is 400 too', async () => {
    const created = (await post(`/environments/${dockerEnv}/services`, service('cache', 1, 'tcp'))).json<{ id: string }>();
    const res = await h.app.inject({ method: 'PATCH', url: `${V}/services/${created.id}`, headers: admin(), payload: { settings: { instances: 2 } } });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.body, /body\/settings\/instances/);
  });
});
