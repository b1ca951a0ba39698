import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startHarness, type Harness } from './api-harness.js';

const V = '/api/v1';

/** Custom domains of services (docs/edge.md#host-names): bad hosts are 400 naming the field, a host claimed twice is 409. */
describe('API: custom domains', () => {
  let h: Harness;
  let envId: string;
  const admin = () => bearer(h.tokens.admin);
  const web = (name: string, domains: unknown) => ({
    name,
    type: 'container',
    source: { image: { name: 'nginx', tag: '1' } },
    settings: { ports: [{ containerPort: 80, public: true }], domains },
  });
  const create = (body: unknown) => h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin(), payload: body as object });

  before(async () => {
    h = await startHarness();
    const projectId = (await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin(), payload: { name: 'shop' } })).json().id;
    envId = (await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin(), payload: { name: 'prod' } })).json().id;
  });
  after(() => h.close());

  test('a valid custom domain is kept in the settings', async () => {
    const response = await create(web('web', [{ host: 'shop.example.com' }]));
    assert.equal(response.statusCode, 201, response.body);
    assert.deepEqual(response.json().settings.domains, [{ host: 'shop.example.com' }]);
  });

  test('a wildcard, an IP, a bad name or a generated host is 400 naming the field', async () => {
    for (const [host, message] of [
      ['*.example.com', /wildcard/],
      ['10.1.2.3', /IP address/],
      ['bad_name.example.com', /valid DNS name/],
      ['web-prod-shop.localhost', /generated/],
    ] as const) {
      const response = await create(web('other', [{ host }]));
      assert.equal(response.statusCode, 400, host);
      assert.match(response.body, /body\/settings\/domains\/0\/host/, host);
      assert.match(response.body, message, host);
    }
  });

  test('a host another service has is 409, on create and on change', async () => {
    const twice = await create(web('api', [{ host: 'SHOP.example.com' }]));
    assert.equal(twice.statusCode, 409, twice.body);
    assert.match(twice.body, /shop\.example\.com is already served/);
    const api = await create(web('api', [{ host: 'api.example.com' }]));
    assert.equal(api.statusCode, 201, api.body);
    const patch = await h.app.inject({ method: 'PATCH', url: `${V}/services/${api.json().id}`, headers: admin(), payload: { settings: { domains: [{ host: 'shop.example.com' }] } } });
    assert.equal(patch.statusCode, 409, patch.body);
    const own = await h.app.inject({ method: 'PATCH', url: `${V}/services/${api.json().id}`, headers: admin(), payload: { settings: { domains: [{ host: 'api.example.com' }, { host: 'www.api.example.com' }] } } });
    assert.equal(own.statusCode, 200, own.body);
  });

  test('an environment file naming a host another service has, or naming one twice, is 409', async () => {
    const apply = (services: unknown[]) =>
      h.app.inject({ method: 'POST', url: `${V}/apply`, headers: admin(), payload: { apiVersion: 'slipway/v1', kind: 'Environment', project: 'shop', name: 'staging', services } as object });
    const taken = await apply([web('web', [{ host: 'shop.example.com' }])]);
    assert.equal(taken.statusCode, 409, taken.body);
    assert.match(taken.body, /body\/services\/0\/settings\/domains\/0\/host/);
    const twice = await apply([web('a', [{ host: 'new.example.com' }]), web('b', [{ host: 'NEW.example.com' }])]);
    assert.equal(twice.statusCode, 409, twice.body);
    assert.match(twice.body, /named by services 0 and 1/);
    const fine = await apply([web('a', [{ host: 'new.example.com' }])]);
    assert.equal(fine.statusCode, 200, fine.body);
  });
});
