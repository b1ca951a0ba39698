import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { ActionNotAvailableError, EnvironmentBusyError } from '../../src/engine/control-plane.js';
import { DomainError } from '../../src/domain/index.js';
import { SseClient, bearer, startHarness, type Harness } from './api-harness.js';

const V = '/api/v1';
const UNKNOWN_ID = '7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11';

let h: Harness;
let projectId: string;
let envId: string;
let appServiceId: string;
let containerServiceId: string;

function assertError(res: { statusCode: number; json(): unknown }, status: number, code: string): { message: string; details?: unknown } {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode}: ${JSON.stringify(res.json())}`);
  const body = res.json() as { error: { code: string; message: string; details?: unknown } };
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.deepEqual(Object.keys(body), ['error']);
  return body.error;
}

before(async () => {
  h = await startHarness();
  const admin = bearer(h.tokens.admin);
  const p = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'shop' } });
  assert.equal(p.statusCode, 201, p.body);
  projectId = p.json().id;
  const e = await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'staging' } });
  assert.equal(e.statusCode, 201, e.body);
  envId = e.json().id;
  const a = await h.app.inject({
    method: 'POST',
    url: `${V}/environments/${envId}/services`,
    headers: admin,
    payload: {
      name: 'web',
      type: 'application',
      source: { git: { url: 'https://ci:hunter2@git.example.com/shop/web.git', branch: 'main' } },
      settings: { ports: [{ containerPort: 8080, public: true }], env: [{ key: 'API_KEY', value: 's3cret-value', secret: true }, { key: 'MODE', value: 'prod' }] },
    },
  });
  assert.equal(a.statusCode, 201, a.body);
  appServiceId = a.json().id;
  const c = await h.app.inject({
    method: 'POST',
    url: `${V}/environments/${envId}/services`,
    headers: admin,
    payload: { name: 'cache', type: 'container', source: { image: { name: '127.0.0.1:5000/library/redis', tag: '7.2' } } },
  });
  assert.equal(c.statusCode, 201, c.body);
  containerServiceId = c.json().id;
});

after(async () => {
  await h?.close();
});

describe('authentication and roles', () => {
  test('401 without a token, with a bad token, with a malformed header', async () => {
    for (const headers of [{}, bearer('not-a-real-token'), { authorization: 'Basic abc' }, { authorization: 'Bearer' }]) {
      const res = await h.app.inject({ method: 'GET', url: `${V}/projects`, headers });
      assertError(res, 401, 'UNAUTHORIZED');
    }
  });

  test('/metrics and the OpenAPI document need a token; health probes do not', async () => {
    assertError(await h.app.inject({ method: 'GET', url: '/metrics' }), 401, 'UNAUTHORIZED');
    assertError(await h.app.inject({ method: 'GET', url: `${V}/openapi.json` }), 401, 'UNAUTHORIZED');
    for (const url of ['/healthz', '/readyz', `${V}/healthz`, `${V}/readyz`]) {
      const res = await h.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
    }
  });

  test('/whoami names the token and its role, without its secret', async () => {
    for (const role of ['viewer', 'deployer', 'admin'] as const) {
      const res = await h.app.inject({ method: 'GET', url: `${V}/whoami`, headers: bearer(h.tokens[role]) });
      assert.equal(res.statusCode, 200);
      const body = res.json() as { role: string; name: string; token?: string };
      assert.equal(body.role, role);
      assert.equal(body.token, undefined);
      assert.ok(!res.body.includes(h.tokens[role]));
    }
    assertError(await h.app.inject({ method: 'GET', url: `${V}/whoami` }), 401, 'UNAUTHORIZED');
  });

  test('a viewer reads but may neither act nor create', async () => {
    const viewer = bearer(h.tokens.viewer);
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/services/${appServiceId}`, headers: viewer })).statusCode, 200);
    assertError(await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/deploy`, headers: viewer }), 403, 'FORBIDDEN');
    assertError(await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/stop`, headers: viewer }), 403, 'FORBIDDEN');
    assertError(await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: viewer, payload: { name: 'nope' } }), 403, 'FORBIDDEN');
    assertError(await h.app.inject({ method: 'GET', url: `${V}/tokens`, headers: viewer }), 403, 'FORBIDDEN');
  });

  test('a deployer acts but may not create or manage tokens', async () => {
    const deployer = bearer(h.tokens.deployer);
    const before = h.cp.submits.length;
    const res = await h.app.inject({ method: 'POST', url: `${V}/services/${containerServiceId}/restart`, headers: deployer });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(h.cp.submits.length, before + 1);
    assert.equal(h.cp.submits.at(-1)?.triggeredBy, 't-deployer');
    assertError(await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: deployer, payload: { name: 'nope' } }), 403, 'FORBIDDEN');
    assertError(await h.app.inject({ method: 'POST', url: `${V}/tokens`, headers: deployer, payload: { name: 'x', role: 'admin' } }), 403, 'FORBIDDEN');
    assertError(await h.app.inject({ method: 'DELETE', url: `${V}/services/${appServiceId}`, headers: deployer }), 403, 'FORBIDDEN');
  });

  test('tokens: created once with the secret, listed without it, revoked', async () => {
    const admin = bearer(h.tokens.admin);
    const created = await h.app.inject({ method: 'POST', url: `${V}/tokens`, headers: admin, payload: { name: 'ci-bot', role: 'deployer' } });
    assert.equal(created.statusCode, 201, created.body);
    const t = created.json();
    assert.equal(t.name, 'ci-bot');
    assert.equal(t.role, 'deployer');
    assert.equal(typeof t.token, 'string');
    assert.ok(t.id);
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/projects`, headers: bearer(t.token) })).statusCode, 200);
    const list = await h.app.inject({ method: 'GET', url: `${V}/tokens`, headers: admin });
    assert.ok(!list.body.includes(t.token));
    assert.ok(list.json().items.some((x: { name: string }) => x.name === 'ci-bot'));
    assertError(await h.app.inject({ method: 'POST', url: `${V}/tokens`, headers: admin, payload: { name: 'ci-bot', role: 'viewer' } }), 409, 'CONFLICT');
    assert.equal((await h.app.inject({ method: 'DELETE', url: `${V}/tokens/${t.id}`, headers: admin })).statusCode, 204);
    assertError(await h.app.inject({ method: 'GET', url: `${V}/projects`, headers: bearer(t.token) }), 401, 'UNAUTHORIZED');
    assertError(await h.app.inject({ method: 'DELETE', url: `${V}/tokens/${t.id}`, headers: admin }), 404, 'NOT_FOUND');
  });

  test('the bootstrap token becomes an admin token on an empty database only', async () => {
    const first = await startHarness({ bootstrapToken: 'boot-secret-123', withTokens: false });
    try {
      const res = await first.app.inject({ method: 'POST', url: `${V}/projects`, headers: bearer('boot-secret-123'), payload: { name: 'boot' } });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(await first.store.countTokens(), 1);
    } finally {
      await first.close();
    }
    // The shared harness already has tokens: building another server with a bootstrap token adds nothing.
    const { buildServer } = await import('../../src/api/server.js');
    const count = await h.store.countTokens();
    const other = await buildServer({ store: h.store, controlPlane: h.cp, listImageTags: async () => [], logger: false, bootstrapToken: 'late-secret' });
    try {
      assert.equal(await h.store.countTokens(), count);
      assertError(await other.inject({ method: 'GET', url: `${V}/projects`, headers: bearer('late-secret') }), 401, 'UNAUTHORIZED');
    } finally {
      await other.close();
    }
  });
});

describe('resources', () => {
  test('creation answers 201 with the object; duplicates are CONFLICT', async () => {
    const admin = bearer(h.tokens.admin);
    const p = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'blog' } });
    assert.equal(p.statusCode, 201);
    assert.equal(p.json().name, 'blog');
    assert.match(p.json().id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof p.json().webhookSecret, 'string');
    assertError(await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'blog' } }), 409, 'CONFLICT');
    const env = await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}`, headers: admin });
    assert.equal(env.statusCode, 200);
    assert.equal(env.json().runtime, 'docker');
    assert.deepEqual(env.json().settings, { maxParallelBuilds: 2, maxParallelDeploys: 4 });
    assert.equal(env.json().state, 'READY');
    assert.equal(env.json().runningState, 'RUNNING');
    assertError(
      await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin, payload: { name: 'web', type: 'container', source: { image: { name: 'nginx', tag: 'latest' } } } }),
      409,
      'CONFLICT',
    );
  });

  test('a service shows its state, running state, versions, endpoints and defaults', async () => {
    h.cp.endpointList = [{ port: 8080, protocol: 'http', url: 'http://127.0.0.1:20000' }];
    const res = await h.app.inject({ method: 'GET', url: `${V}/services/${appServiceId}`, headers: bearer(h.tokens.viewer) });
    h.cp.endpointList = [];
    assert.equal(res.statusCode, 200);
    const s = res.json();
    assert.equal(s.state, 'READY');
    assert.deepEqual(s.runningState, { status: 'RUNNING', instances: [] });
    assert.equal(s.deployedVersion, null);
    assert.equal(s.targetVersion, null);
    assert.deepEqual(s.endpoints, [{ port: 8080, protocol: 'http', url: 'http://127.0.0.1:20000' }]);
    assert.equal(s.source.git.rootPath, '/');
    assert.equal(s.source.git.dockerfilePath, 'Dockerfile');
    assert.equal(s.settings.instances, 1);
    assert.equal(s.settings.startTimeoutSeconds, 300);
    assert.deepEqual(s.settings.ports, [{ containerPort: 8080, public: true, protocol: 'http' }]);
    const status = await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/status`, headers: bearer(h.tokens.viewer) });
    assert.equal(status.json().id, envId);
    assert.ok(status.json().services.some((x: { id: string; name: string }) => x.id === appServiceId && x.name === 'web'));
  });

  test('secret values are masked in every response and kept on PATCH when the mask comes back', async () => {
    const admin = bearer(h.tokens.admin);
    const responses = await Promise.all([
      h.app.inject({ method: 'GET', url: `${V}/services/${appServiceId}`, headers: admin }),
      h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/services`, headers: admin }),
    ]);
    for (const r of responses) {
      assert.ok(!r.body.includes('s3cret-value'), r.body);
      assert.ok(!r.body.includes('hunter2'), 'git credentials masked');
      assert.ok(r.body.includes('********'));
    }
    const shown = responses[0]!.json();
    // Send back what was shown, with one more variable: the secret keeps its value.
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `${V}/services/${appServiceId}`,
      headers: admin,
      payload: { settings: { env: [...shown.settings.env, { key: 'NEW_SECRET', value: 'other-secret', secret: true }] }, source: shown.source },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.ok(!patched.body.includes('s3cret-value'));
    assert.ok(!patched.body.includes('other-secret'));
    const stored = await h.store.getService(appServiceId);
    assert.deepEqual(
      stored?.settings.env.map((e) => [e.key, e.value, e.secret]),
      [
        ['API_KEY', 's3cret-value', true],
        ['MODE', 'prod', false],
        ['NEW_SECRET', 'other-secret', true],
      ],
    );
    assert.equal((stored?.source as { git: { url: string } }).git.url, 'https://ci:hunter2@git.example.com/shop/web.git');
    // The mask for a secret that has no value yet is refused.
    assertError(
      await h.app.inject({ method: 'PATCH', url: `${V}/services/${appServiceId}`, headers: admin, payload: { settings: { env: [{ key: 'NONE', value: '********', secret: true }] } } }),
      400,
      'VALIDATION_FAILED',
    );
  });

  test('type and source must agree; rules the schema cannot say are checked', async () => {
    const admin = bearer(h.tokens.admin);
    const bad = [
      { name: 'x1', type: 'application', source: { image: { name: 'nginx', tag: 'latest' } } },
      { name: 'x2', type: 'container', source: { git: { url: 'https://h/r.git', branch: 'main' } } },
      { name: 'x3', type: 'container', source: { image: { name: 'UPPER/Case', tag: 'latest' } } },
      { name: 'x4', type: 'container', source: { image: { name: 'nginx', tag: '-bad' } } },
      { name: 'x5', type: 'application', source: { git: { url: 'https://h/r.git', branch: 'main', rootPath: '../etc' } } },
      { name: 'x6', type: 'application', source: { git: { url: '--upload-pack=evil', branch: 'main' } } },
      { name: 'x7', type: 'job', source: { jobType: 'cron', source: { image: { name: 'busybox', tag: '1' } } } },
      { name: 'x8', type: 'container', source: { image: { name: 'nginx', tag: '1' } }, settings: { ports: [{ containerPort: 70000 }] } },
      { name: 'x9', type: 'container', source: { image: { name: 'nginx', tag: '1' } }, settings: { instances: 0 } },
      { name: 'x10', type: 'database', source: { engine: 'oracle', version: '1' } },
      { name: 'x11', type: 'container', source: { image: { name: 'nginx', tag: '1' } }, settings: { ports: [{ containerPort: 80 }, { containerPort: 80 }] } },
      { name: 'x12', type: 'nope', source: {} },
    ];
    for (const payload of bad) {
      const res = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin, payload });
      const error = assertError(res, 400, 'VALIDATION_FAILED');
      assert.ok(Array.isArray(error.details) && error.details.length > 0, `${payload.name}: ${JSON.stringify(error)}`);
    }
    // The failing field is named, without noise from the other service types.
    const res = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${envId}/services`,
      headers: admin,
      payload: { name: 'y', type: 'container', source: { image: { name: 'nginx', tag: '1' } }, settings: { cpu: 'lots' } },
    });
    const details = assertError(res, 400, 'VALIDATION_FAILED').details as Array<{ field: string }>;
    assert.deepEqual(details.map((d) => d.field), ['body/settings/cpu']);
    const ok = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${envId}/services`,
      headers: admin,
      payload: { name: 'migrate', type: 'job', source: { jobType: 'lifecycle', source: { image: { name: 'busybox', tag: '1.36' } }, command: ['sh', '-c', 'true'] } },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.deepEqual(ok.json().source.events, ['start']);
    assert.equal(ok.json().source.maxDurationSeconds, 3600);
  });

  test('versions: registry tags for image sources, nothing yet for git ones', async () => {
    const viewer = bearer(h.tokens.viewer);
    const img = await h.app.inject({ method: 'GET', url: `${V}/services/${containerServiceId}/versions`, headers: viewer });
    assert.deepEqual(img.json(), { items: [{ tag: '1.0.0' }, { tag: '1.1.0' }] });
    const git = await h.app.inject({ method: 'GET', url: `${V}/services/${appServiceId}/versions`, headers: viewer });
    assert.deepEqual(git.json(), { items: [] });
  });
});

describe('editing projects and environments', () => {
  test('PATCH /projects/{id} renames and answers the project; another project\'s name is 409', async () => {
    const admin = bearer(h.tokens.admin);
    const created = (await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'to-rename' } })).json();
    await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'taken' } });
    const res = await h.app.inject({ method: 'PATCH', url: `${V}/projects/${created.id}`, headers: admin, payload: { name: 'renamed-project' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { id: created.id, name: 'renamed-project', createdAt: created.createdAt, previews: null });
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/projects/${created.id}`, headers: admin })).json().name, 'renamed-project');
    assertError(await h.app.inject({ method: 'PATCH', url: `${V}/projects/${created.id}`, headers: admin, payload: { name: 'taken' } }), 409, 'CONFLICT');
    // Every field is optional (an empty body changes nothing); nothing else is taken.
    const empty = await h.app.inject({ method: 'PATCH', url: `${V}/projects/${created.id}`, headers: admin, payload: {} });
    assert.equal(empty.statusCode, 200, empty.body);
    assert.equal(empty.json().name, 'renamed-project');
    const extra = assertError(
      await h.app.inject({ method: 'PATCH', url: `${V}/projects/${created.id}`, headers: admin, payload: { name: 'ok', webhookSecret: 'x' } }),
      400,
      'VALIDATION_FAILED',
    );
    assert.deepEqual(extra.details, [{ field: 'body/webhookSecret', message: 'unknown field' }]);
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/projects/${created.id}`, headers: admin })).json().name, 'renamed-project');
  });

  test('PATCH /environments/{id} renames, merges settings and answers the environment; duplicates are 409', async () => {
    const admin = bearer(h.tokens.admin);
    const created = (await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'edit-me' } })).json();
    const url = `${V}/environments/${created.id}`;
    const renamed = await h.app.inject({ method: 'PATCH', url, headers: admin, payload: { name: 'edited' } });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().id, created.id);
    assert.equal(renamed.json().name, 'edited');
    assert.equal(renamed.json().runtime, 'docker');
    assert.equal(renamed.json().state, 'READY');
    assert.deepEqual(renamed.json().settings, { maxParallelBuilds: 2, maxParallelDeploys: 4 });
    const tuned = await h.app.inject({ method: 'PATCH', url, headers: admin, payload: { settings: { maxParallelDeploys: 8 } } });
    assert.deepEqual(tuned.json().settings, { maxParallelBuilds: 2, maxParallelDeploys: 8 });
    const both = await h.app.inject({ method: 'PATCH', url, headers: admin, payload: { name: 'edited-2', settings: { maxParallelBuilds: 32 }, runtime: 'docker' } });
    assert.equal(both.statusCode, 200, both.body);
    assert.equal(both.json().name, 'edited-2');
    assert.deepEqual(both.json().settings, { maxParallelBuilds: 32, maxParallelDeploys: 8 });
    const read = (await h.app.inject({ method: 'GET', url, headers: admin })).json();
    assert.equal(read.name, 'edited-2');
    assert.deepEqual(read.settings, { maxParallelBuilds: 32, maxParallelDeploys: 8 });
    // The fixture's environment is named staging in the same project.
    const dup = assertError(await h.app.inject({ method: 'PATCH', url, headers: admin, payload: { name: 'staging' } }), 409, 'CONFLICT');
    assert.match(dup.message, /staging/);
    assert.equal((await h.app.inject({ method: 'GET', url, headers: admin })).json().name, 'edited-2');
  });

  test('PATCH /environments/{id} refuses a runtime change, out-of-bounds settings and unknown fields, naming the field', async () => {
    const admin = bearer(h.tokens.admin);
    const url = `${V}/environments/${envId}`;
    const fields = async (payload: unknown) =>
      (assertError(await h.app.inject({ method: 'PATCH', url, headers: admin, payload: payload as object }), 400, 'VALIDATION_FAILED').details as Array<{ field: string }>).map(
        (d) => d.field,
      );
    assert.deepEqual(await fields({ runtime: 'kubernetes' }), ['body/runtime']);
    assert.deepEqual(await fields({ name: 'other', runtime: 'kubernetes' }), ['body/runtime']);
    assert.ok((await fields({ runtime: 'podman' })).includes('body/runtime'));
    for (const value of [0, 33, 1.5, '4', null]) {
      assert.deepEqual(await fields({ settings: { maxParallelBuilds: value } }), ['body/settings/maxParallelBuilds'], `maxParallelBuilds ${String(value)}`);
    }
    assert.deepEqual(await fields({ settings: { maxParallelDeploys: 0 } }), ['body/settings/maxParallelDeploys']);
    assert.deepEqual(await fields({ settings: { maxParallelDeploys: 65 } }), ['body/settings/maxParallelDeploys']);
    assert.deepEqual(await fields({ settings: { maxParallelBuilds: 2, surprise: 1 } }), ['body/settings/surprise']);
    assert.deepEqual(await fields({ projectId }), ['body/projectId']);
    // Nothing changed.
    const env = (await h.app.inject({ method: 'GET', url, headers: admin })).json();
    assert.equal(env.name, 'staging');
    assert.equal(env.runtime, 'docker');
    assert.deepEqual(env.settings, { maxParallelBuilds: 2, maxParallelDeploys: 4 });
  });

  test('deployers and viewers may not edit projects or environments', async () => {
    for (const role of ['deployer', 'viewer'] as const) {
      const headers = bearer(h.tokens[role]);
      assertError(await h.app.inject({ method: 'PATCH', url: `${V}/projects/${projectId}`, headers, payload: { name: 'hijack' } }), 403, 'FORBIDDEN');
      assertError(await h.app.inject({ method: 'PATCH', url: `${V}/environments/${envId}`, headers, payload: { name: 'hijack' } }), 403, 'FORBIDDEN');
    }
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/projects/${projectId}`, headers: bearer(h.tokens.admin) })).json().name, 'shop');
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}`, headers: bearer(h.tokens.admin) })).json().name, 'staging');
  });
});

describe('actions', () => {
  test('service and environment actions answer 202 { requestId, deploymentId, position, merged } with origin and version', async () => {
    const deployer = { ...bearer(h.tokens.deployer), 'x-slipway-origin': 'CLI' };
    const res = await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/deploy`, headers: deployer, payload: { version: 'abc1234' } });
    assert.equal(res.statusCode, 202, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['deploymentId', 'merged', 'position', 'requestId']);
    assert.equal(typeof body.position, 'number');
    assert.equal(body.merged, false);
    const sent = h.cp.submits.at(-1)!;
    assert.equal(sent.action, 'DEPLOY_VERSION');
    assert.equal(sent.version, 'abc1234');
    assert.equal(sent.origin, 'CLI');
    assert.equal(sent.queue, true);
    const same = await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/deploy`, headers: deployer, payload: { version: 'abc1234' } });
    assert.equal(same.json().deploymentId, body.deploymentId);
    assert.equal(same.json().merged, true);

    const plain = await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/deploy?queue=false`, headers: bearer(h.tokens.deployer) });
    assert.equal(plain.statusCode, 202);
    assert.equal(h.cp.submits.at(-1)!.action, 'DEPLOY');
    assert.equal(h.cp.submits.at(-1)!.queue, false);
    assert.equal(h.cp.submits.at(-1)!.origin, 'API');

    const emptyJson = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${envId}/redeploy`,
      headers: { ...bearer(h.tokens.deployer), 'content-type': 'application/json' },
      payload: '',
    });
    assert.equal(emptyJson.statusCode, 202, emptyJson.body);
    assert.equal(h.cp.submits.at(-1)!.action, 'REDEPLOY');
    assert.equal(h.cp.submits.at(-1)!.serviceId, undefined);

    const del = await h.app.inject({ method: 'DELETE', url: `${V}/services/${containerServiceId}?keepData=true`, headers: bearer(h.tokens.admin) });
    assert.equal(del.statusCode, 202);
    assert.equal(h.cp.submits.at(-1)!.action, 'DELETE');
    assert.equal(h.cp.submits.at(-1)!.keepData, true);

    const cancel = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/cancel`, headers: bearer(h.tokens.deployer), payload: { force: true } });
    assert.equal(cancel.statusCode, 202);
    assert.deepEqual(h.cp.cancels.at(-1), { environmentId: envId, force: true });
  });

  test('the queue lists waiting requests; a waiting one can be removed once', async () => {
    const q = await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/queue`, headers: bearer(h.tokens.viewer) });
    assert.equal(q.statusCode, 200);
    const items = q.json().items as Array<{ id: string; position: number }>;
    assert.ok(items.length >= 1);
    assert.deepEqual(items.map((i) => i.position), items.map((_, i) => i + 1));
    const id = items.at(-1)!.id;
    assert.equal((await h.app.inject({ method: 'DELETE', url: `${V}/deployment-requests/${id}`, headers: bearer(h.tokens.deployer) })).statusCode, 204);
    assertError(await h.app.inject({ method: 'DELETE', url: `${V}/deployment-requests/${id}`, headers: bearer(h.tokens.deployer) }), 409, 'CONFLICT');
  });

  test('deploy-latest checks the services it names', async () => {
    const deployer = bearer(h.tokens.deployer);
    const ok = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/deploy-latest`, headers: deployer, payload: { serviceIds: [appServiceId] } });
    assert.equal(ok.statusCode, 202, ok.body);
    assert.deepEqual(h.cp.submits.at(-1)!.serviceIds, [appServiceId]);
    const notGit = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/deploy-latest`, headers: deployer, payload: { serviceIds: [containerServiceId] } });
    assertError(notGit, 400, 'VALIDATION_FAILED');
    const outdated = await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/outdated-services`, headers: deployer });
    assert.deepEqual(outdated.json(), { items: [], unreadable: [] });
  });

  test('refusals of the control plane map to 409 ACTION_NOT_AVAILABLE, ENVIRONMENT_BUSY, 404, CONFLICT', async () => {
    const deployer = bearer(h.tokens.deployer);
    h.cp.failNext = new ActionNotAvailableError('Restart is not available', { action: 'RESTART', status: 'READY', reason: 'never deployed' });
    const na = assertError(await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/restart`, headers: deployer }), 409, 'ACTION_NOT_AVAILABLE');
    assert.deepEqual(na.details, { action: 'RESTART', status: 'READY', reason: 'never deployed' });
    h.cp.failNext = new EnvironmentBusyError(UNKNOWN_ID);
    const busy = assertError(await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/stop?queue=false`, headers: deployer }), 409, 'ENVIRONMENT_BUSY');
    assert.deepEqual(busy.details, { runningDeploymentId: UNKNOWN_ID });
    h.cp.failNext = new DomainError('NOT_FOUND', 'service gone');
    assertError(await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/stop`, headers: deployer }), 404, 'NOT_FOUND');
    h.cp.failNext = new DomainError('ILLEGAL_TRANSITION', 'a service cannot go from READY to STOPPING');
    assertError(await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/stop`, headers: deployer }), 409, 'CONFLICT');
  });

  test('a throwing dependency answers 500 INTERNAL without its message or stack', async () => {
    h.cp.failNext = new Error('database password is swordfish at /srv/app/secret.ts:12');
    const res = await h.app.inject({ method: 'GET', url: `${V}/services/${appServiceId}/actions`, headers: bearer(h.tokens.viewer) });
    const error = assertError(res, 500, 'INTERNAL');
    assert.equal(error.message, 'internal error');
    assert.ok(!res.body.includes('swordfish'));
    assert.ok(!res.body.includes('.ts:'));
    assert.equal(error.details, undefined);
  });

  test('GET …/actions returns the control plane availability', async () => {
    const res = await h.app.inject({ method: 'GET', url: `${V}/services/${appServiceId}/actions`, headers: bearer(h.tokens.viewer) });
    assert.deepEqual(res.json(), [
      { action: 'DEPLOY', available: true },
      { action: 'RESTART', available: false, reason: 'never deployed' },
    ]);
  });
});

describe('history and logs', () => {
  test('deployments are listed newest first, paginated, with their detail', async () => {
    const viewer = bearer(h.tokens.viewer);
    const first = await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/deployments?limit=2`, headers: viewer });
    assert.equal(first.statusCode, 200, first.body);
    const page1 = first.json();
    assert.equal(page1.items.length, 2);
    assert.equal(typeof page1.nextCursor, 'string');
    const second = await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/deployments?limit=2&cursor=${page1.nextCursor}`, headers: viewer });
    const page2 = second.json();
    assert.ok(page2.items.length >= 1);
    const ids = [...page1.items, ...page2.items].map((d: { id: string }) => d.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(page1.items[0].createdAt >= page2.items[0].createdAt);
    assertError(await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/deployments?cursor=garbage`, headers: viewer }), 400, 'VALIDATION_FAILED');
    const svc = await h.app.inject({ method: 'GET', url: `${V}/services/${appServiceId}/deployments`, headers: viewer });
    assert.ok(svc.json().items.length >= 1);
    const detail = await h.app.inject({ method: 'GET', url: `${V}/deployments/${ids[0]}`, headers: viewer });
    assert.equal(detail.statusCode, 200);
    assert.ok(Array.isArray(detail.json().stages));
    assert.equal(detail.json().id, ids[0]);
  });

  test('logs: read as JSON, resumable after a seq', async () => {
    const { deployment } = await h.store.enqueue({
      environmentId: envId,
      request: { action: 'STOP', level: 'environment', serviceIds: [], versions: {} },
      origin: 'API',
      triggeredBy: 'test',
    });
    for (const message of ['one', 'two', 'three']) {
      await h.store.appendLog(deployment.id, { ts: new Date().toISOString(), serviceId: null, step: null, level: 'info', message });
    }
    const all = await h.app.inject({ method: 'GET', url: `${V}/deployments/${deployment.id}/logs`, headers: bearer(h.tokens.viewer) });
    const items = all.json().items as Array<{ seq: number; message: string }>;
    assert.deepEqual(items.map((i) => i.message), ['one', 'two', 'three']);
    const rest = await h.app.inject({ method: 'GET', url: `${V}/deployments/${deployment.id}/logs?after=${items[0]!.seq}`, headers: bearer(h.tokens.viewer) });
    assert.deepEqual(rest.json().items.map((i: { message: string }) => i.message), ['two', 'three']);
    await h.store.removeWaiting(deployment.id);
  });
});

describe('bad input on every route', () => {
  // [method, path with :id, body for a valid-looking request or undefined, role]
  const routes: Array<[string, string, unknown]> = [
    ['GET', '/projects/:id', undefined],
    ['PATCH', '/projects/:id', { name: 'renamed' }],
    ['POST', '/projects/:id/environments', { name: 'qa' }],
    ['GET', '/projects/:id/environments', undefined],
    ['GET', '/environments/:id', undefined],
    ['PATCH', '/environments/:id', { name: 'renamed' }],
    ['DELETE', '/environments/:id', undefined],
    ['GET', '/environments/:id/status', undefined],
    ['POST', '/environments/:id/services', { name: 'z', type: 'container', source: { image: { name: 'nginx', tag: '1' } } }],
    ['GET', '/environments/:id/services', undefined],
    ['GET', '/services/:id', undefined],
    ['PATCH', '/services/:id', { name: 'renamed' }],
    ['DELETE', '/services/:id', undefined],
    ['GET', '/services/:id/actions', undefined],
    ['GET', '/environments/:id/actions', undefined],
    ['POST', '/services/:id/deploy', { version: 'abcdef1' }],
    ['POST', '/services/:id/redeploy', undefined],
    ['POST', '/services/:id/stop', undefined],
    ['POST', '/services/:id/restart', undefined],
    ['POST', '/environments/:id/deploy', undefined],
    ['POST', '/environments/:id/redeploy', undefined],
    ['POST', '/environments/:id/stop', undefined],
    ['POST', '/environments/:id/cancel', { force: false }],
    ['GET', '/environments/:id/outdated-services', undefined],
    ['POST', '/environments/:id/deploy-latest', { serviceIds: [UNKNOWN_ID] }],
    ['GET', '/services/:id/versions', undefined],
    ['GET', '/environments/:id/queue', undefined],
    ['DELETE', '/deployment-requests/:id', undefined],
    ['GET', '/environments/:id/deployments', undefined],
    ['GET', '/services/:id/deployments', undefined],
    ['GET', '/deployments/:id', undefined],
    ['GET', '/deployments/:id/logs', undefined],
    ['DELETE', '/tokens/:id', undefined],
  ];

  test('a malformed id is 400 VALIDATION_FAILED naming params/id; an unknown id is 404', async () => {
    const admin = bearer(h.tokens.admin);
    for (const [method, path, payload] of routes) {
      const bad = await h.app.inject({ method: method as 'GET', url: V + path.replace(':id', 'not-a-uuid'), headers: admin, ...(payload === undefined ? {} : { payload: payload as object }) });
      const error = assertError(bad, 400, 'VALIDATION_FAILED');
      assert.deepEqual((error.details as Array<{ field: string }>).map((d) => d.field), ['params/id'], `${method} ${path}`);
      const unknown = await h.app.inject({ method: method as 'GET', url: V + path.replace(':id', UNKNOWN_ID), headers: admin, ...(payload === undefined ? {} : { payload: payload as object }) });
      assertError(unknown, 404, 'NOT_FOUND');
    }
  });

  const bodyRoutes: Array<[string, string]> = [
    ['POST', '/projects'],
    ['PATCH', '/projects/:project'],
    ['POST', `/projects/:project/environments`],
    ['PATCH', '/environments/:env'],
    ['POST', `/environments/:env/services`],
    ['PATCH', `/services/:app`],
    ['POST', `/services/:app/deploy`],
    ['POST', `/environments/:env/cancel`],
    ['POST', `/environments/:env/deploy-latest`],
    ['POST', '/tokens'],
  ];
  const fill = (p: string) => p.replace(':project', projectId).replace(':env', envId).replace(':app', appServiceId);

  test('malformed JSON, unknown fields and wrong types are 400 VALIDATION_FAILED', async () => {
    const admin = { ...bearer(h.tokens.admin), 'content-type': 'application/json' };
    for (const [method, path] of bodyRoutes) {
      const url = V + fill(path);
      const malformed = await h.app.inject({ method: method as 'POST', url, headers: admin, payload: '{"name": ' });
      assertError(malformed, 400, 'VALIDATION_FAILED');
      const unknown = await h.app.inject({ method: method as 'POST', url, headers: admin, payload: JSON.stringify({ surprise: 1 }) });
      const error = assertError(unknown, 400, 'VALIDATION_FAILED');
      assert.ok(
        (error.details as Array<{ field: string; message: string }>).some((d) => d.field === 'body/surprise' && d.message === 'unknown field'),
        `${method} ${path}: ${JSON.stringify(error)}`,
      );
      const array = await h.app.inject({ method: method as 'POST', url, headers: admin, payload: '[1,2]' });
      assertError(array, 400, 'VALIDATION_FAILED');
    }
    // An unknown field beside valid ones is refused, not dropped.
    const extra = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: JSON.stringify({ name: 'extra', admin: true }) });
    const error = assertError(extra, 400, 'VALIDATION_FAILED');
    assert.deepEqual(error.details, [{ field: 'body/admin', message: 'unknown field' }]);
    // __proto__ poisoning is refused.
    assertError(await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: '{"name":"p","__proto__":{"x":1}}' }), 400, 'VALIDATION_FAILED');
  });

  test('bad names, versions and query parameters are 400', async () => {
    const admin = bearer(h.tokens.admin);
    for (const name of ['Upper', '-lead', 'trail-', 'a_b', 'x'.repeat(64), '']) {
      assertError(await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name } }), 400, 'VALIDATION_FAILED');
      assertError(await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name } }), 400, 'VALIDATION_FAILED');
      assertError(await h.app.inject({ method: 'PATCH', url: `${V}/services/${appServiceId}`, headers: admin, payload: { name } }), 400, 'VALIDATION_FAILED');
      assertError(await h.app.inject({ method: 'PATCH', url: `${V}/projects/${projectId}`, headers: admin, payload: { name } }), 400, 'VALIDATION_FAILED');
      assertError(await h.app.inject({ method: 'PATCH', url: `${V}/environments/${envId}`, headers: admin, payload: { name } }), 400, 'VALIDATION_FAILED');
      assertError(await h.app.inject({ method: 'POST', url: `${V}/tokens`, headers: admin, payload: { name, role: 'viewer' } }), 400, 'VALIDATION_FAILED');
    }
    // A git service deploys commits only; an image service takes any valid tag.
    assertError(await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/deploy`, headers: admin, payload: { version: 'v1.2' } }), 400, 'VALIDATION_FAILED');
    assert.equal((await h.app.inject({ method: 'POST', url: `${V}/services/${containerServiceId}/deploy`, headers: admin, payload: { version: 'v1.2' } })).statusCode, 202);
    for (const version of ['', '-x', 'a b', 'x'.repeat(129), 'v/1']) {
      assertError(await h.app.inject({ method: 'POST', url: `${V}/services/${appServiceId}/deploy`, headers: admin, payload: { version } }), 400, 'VALIDATION_FAILED');
    }
    for (const query of ['queue=maybe', 'nope=1']) {
      assertError(await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/stop?${query}`, headers: admin }), 400, 'VALIDATION_FAILED');
    }
    for (const query of ['limit=0', 'limit=1000', 'limit=x']) {
      assertError(await h.app.inject({ method: 'GET', url: `${V}/environments/${envId}/deployments?${query}`, headers: admin }), 400, 'VALIDATION_FAILED');
    }
    assertError(await h.app.inject({ method: 'POST', url: `${V}/tokens`, headers: admin, payload: { name: 'r', role: 'root' } }), 400, 'VALIDATION_FAILED');
    assertError(await h.app.inject({ method: 'GET', url: `${V}/events?projectId=nope`, headers: admin }), 400, 'VALIDATION_FAILED');
  });

  test('unknown routes are 404 and bodies over 1 MiB are 413, in the error format', async () => {
    assertError(await h.app.inject({ method: 'GET', url: `${V}/nothing-here`, headers: bearer(h.tokens.admin) }), 404, 'NOT_FOUND');
    assertError(await h.app.inject({ method: 'PUT', url: `${V}/nothing-here`, headers: bearer(h.tokens.admin) }), 404, 'NOT_FOUND');
    const big = JSON.stringify({ name: 'big', padding: 'x'.repeat(1024 * 1024) });
    const res = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: { ...bearer(h.tokens.admin), 'content-type': 'application/json' }, payload: big });
    assertError(res, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('operations and documents', () => {
  test('the OpenAPI document lists every route and declares bearer auth', async () => {
    const res = await h.app.inject({ method: 'GET', url: `${V}/openapi.json`, headers: bearer(h.tokens.viewer) });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearerAuth.description });
    const expected = [
      'post /api/v1/projects', 'get /api/v1/projects', 'get /api/v1/projects/{id}', 'patch /api/v1/projects/{id}',
      'post /api/v1/projects/{id}/environments', 'get /api/v1/projects/{id}/environments',
      'get /api/v1/environments/{id}', 'patch /api/v1/environments/{id}', 'delete /api/v1/environments/{id}',
      'post /api/v1/environments/{id}/services', 'get /api/v1/environments/{id}/services',
      'get /api/v1/services/{id}', 'patch /api/v1/services/{id}', 'delete /api/v1/services/{id}',
      'get /api/v1/environments/{id}/status', 'get /api/v1/services/{id}/actions', 'get /api/v1/environments/{id}/actions',
      'post /api/v1/services/{id}/deploy', 'post /api/v1/services/{id}/redeploy', 'post /api/v1/services/{id}/stop', 'post /api/v1/services/{id}/restart',
      'post /api/v1/environments/{id}/deploy', 'post /api/v1/environments/{id}/redeploy', 'post /api/v1/environments/{id}/stop',
      'post /api/v1/environments/{id}/cancel', 'get /api/v1/environments/{id}/outdated-services', 'post /api/v1/environments/{id}/deploy-latest',
      'get /api/v1/services/{id}/versions', 'get /api/v1/environments/{id}/queue', 'delete /api/v1/deployment-requests/{id}',
      'get /api/v1/environments/{id}/deployments', 'get /api/v1/services/{id}/deployments', 'get /api/v1/deployments/{id}', 'get /api/v1/deployments/{id}/logs',
      'get /api/v1/events', 'post /api/v1/tokens', 'get /api/v1/tokens', 'delete /api/v1/tokens/{id}',
      'get /api/v1/healthz', 'get /api/v1/readyz', 'get /api/v1/metrics',
    ];
    const listed = new Set(Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    for (const route of expected) assert.ok(listed.has(route), `OpenAPI lacks ${route}`);
    assert.deepEqual(doc.paths['/api/v1/healthz'].get.security, []);
  });

  test('/metrics is Prometheus text with request counts by route', async () => {
    const res = await h.app.inject({ method: 'GET', url: `${V}/metrics`, headers: bearer(h.tokens.viewer) });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.match(res.body, /slipway_http_requests_total\{method="GET",route="\/api\/v1\/services\/:id",status_code="200"\} \d+/);
    assert.match(res.body, /slipway_process_cpu_user_seconds_total/);
  });
});

describe('streams (real socket)', () => {
  let base: string;
  before(async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });

  test('GET /events delivers a published event as `event: <type>`', async () => {
    const client = new SseClient(`${base}${V}/events?environmentId=${envId}`, bearer(h.tokens.viewer));
    try {
      await client.until(() => client.statusCode === 200, 'the stream to open');
      assert.match(client.contentType, /^text\/event-stream/);
      const other = { type: 'deployment.log', projectId, environmentId: UNKNOWN_ID, deploymentId: UNKNOWN_ID } as const;
      const event = { type: 'service.status', projectId, environmentId: envId, serviceId: appServiceId, status: 'DEPLOYED', message: null } as const;
      // The server subscribes in the same tick as it sends the headers, so the stream is listening now.
      h.cp.events.publish(other);
      h.cp.events.publish(event);
      await client.until(() => client.events.length > 0, 'the published event');
      assert.deepEqual(client.events[0], { event: 'service.status', data: event });
    } finally {
      client.close();
    }
  });

  test('GET /events without a token is 401', async () => {
    const client = new SseClient(`${base}${V}/events`, {});
    await client.until(() => client.ended, 'the refusal');
    assert.equal(client.statusCode, 401);
  });

  test('log follow reads a long backlog no faster than the client takes it', async () => {
    const { deployment } = await h.store.enqueue({
      environmentId: envId,
      request: { action: 'RESTART', level: 'service', serviceIds: [containerServiceId], versions: {} },
      origin: 'API',
      triggeredBy: 'test',
    });
    // 40,000 lines of 1 KB: 80 batches, far more than the loopback's socket buffers hold.
    const message = 'x'.repeat(1000);
    for (let chunk = 0; chunk < 8; chunk++) {
      const ts = new Date().toISOString();
      await h.store.appendLogs(deployment.id, Array.from({ length: 5000 }, () => ({ ts, serviceId: containerServiceId, step: 'RESTART', level: 'info' as const, message })));
    }
    const readLogs = h.store.readLogs.bind(h.store);
    let batchesRead = 0;
    h.store.readLogs = async (...args) => {
      batchesRead++;
      return readLogs(...args);
    };
    // A client that sends its request and never reads the answer.
    const { hostname, port } = new URL(base);
    const socket = connect({ host: hostname, port: Number(port) });
    try {
      socket.pause();
      socket.write(`GET ${V}/deployments/${deployment.id}/logs?follow=true HTTP/1.1\r\nHost: x\r\nAuthorization: ${bearer(h.tokens.viewer).authorization}\r\n\r\n`);
      // Until the server stops reading (nothing more for 1 s), bounded in time.
      const deadline = Date.now() + 30_000;
      let seen = -1;
      while ((batchesRead === 0 || batchesRead !== seen) && Date.now() < deadline) {
        seen = batchesRead;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      assert.ok(batchesRead > 0, 'the follow started');
      assert.ok(batchesRead < 40, `the server read ${batchesRead} of 81 batches for a client that reads nothing`);
    } finally {
      socket.destroy();
      h.store.readLogs = readLogs;
      await h.store.removeWaiting(deployment.id);
    }
  });

  test('log follow streams existing lines, then new ones, and ends when the deployment finishes', async () => {
    const { deployment } = await h.store.enqueue({
      environmentId: envId,
      request: { action: 'RESTART', level: 'service', serviceIds: [containerServiceId], versions: {} },
      origin: 'API',
      triggeredBy: 'test',
    });
    const log = (message: string) =>
      h.store.appendLog(deployment.id, { ts: new Date().toISOString(), serviceId: containerServiceId, step: 'RESTART', level: 'info', message });
    const wake = () => h.cp.events.publish({ type: 'deployment.log', projectId, environmentId: envId, deploymentId: deployment.id });
    await log('before connect');
    const client = new SseClient(`${base}${V}/deployments/${deployment.id}/logs?follow=true`, bearer(h.tokens.viewer));
    try {
      await client.until(() => client.events.length === 1, 'the existing line');
      assert.equal((client.events[0]!.data as { message: string }).message, 'before connect');
      assert.equal(client.events[0]!.event, 'log');
      await log('after connect');
      wake();
      await client.until(() => client.events.length === 2, 'the appended line');
      assert.equal((client.events[1]!.data as { message: string }).message, 'after connect');
      assert.equal(client.ended, false);
      await log('last words');
      // End it the way the engine does: a waiting request removed ends CANCELED.
      assert.ok(await h.store.removeWaiting(deployment.id));
      h.cp.events.publish({ type: 'deployment.status', projectId, environmentId: envId, deploymentId: deployment.id, status: 'CANCELED', message: null });
      await client.until(() => client.ended, 'the end of the stream');
      assert.deepEqual(client.events.map((e) => e.event), ['log', 'log', 'log', 'end']);
      assert.equal((client.events[2]!.data as { message: string }).message, 'last words');
      assert.equal((client.events[3]!.data as { status: string }).status, 'CANCELED');
    } finally {
      client.close();
    }
  });
});
