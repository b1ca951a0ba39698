import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { buildServer } from '../../src/api/server.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

/**
 * The git push webhook (docs/api.md#webhooks): the signature is checked on the raw body before it is
 * parsed, a delivery seen before does nothing, and the old path's bodies are capped.
 */

const V = '/api/v1';
const REPO = 'https://git.example.com/shop/web.git';
const COMMIT = 'a'.repeat(40);
let h: Harness;
let projectId: string;
let secret: string;
let serviceId: string;
let otherProjectId: string;

before(async () => {
  h = await startHarness();
  const admin = bearer(h.tokens.admin);
  const project = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'hooks' } });
  assert.equal(project.statusCode, 201, project.body);
  projectId = project.json().id;
  secret = project.json().webhookSecret;
  const env = await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'staging' } });
  assert.equal(env.statusCode, 201, env.body);
  const service = await h.app.inject({
    method: 'POST',
    url: `${V}/environments/${env.json().id}/services`,
    headers: admin,
    payload: { name: 'web', type: 'application', source: { git: { url: REPO, branch: 'main' } }, settings: { autoDeploy: true } },
  });
  assert.equal(service.statusCode, 201, service.body);
  serviceId = service.json().id;
  const other = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'other' } });
  otherProjectId = other.json().id;
});

after(async () => {
  await h?.close();
});

beforeEach(() => {
  h.cp.submits.length = 0;
});

function githubBody(commit = COMMIT, pushedAt = Date.now()): string {
  return JSON.stringify({ ref: 'refs/heads/main', after: commit, repository: { clone_url: REPO, pushed_at: pushedAt } });
}

function sign(body: string | Buffer, key = secret): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

function github(url: string, body: string | Buffer, options: { signature?: string | null; delivery?: string; remoteAddress?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': 'push' };
  const signature = options.signature === undefined ? sign(body) : options.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  if (options.delivery) headers['x-github-delivery'] = options.delivery;
  return h.app.inject({ method: 'POST', url: `${V}${url}`, headers, payload: body, ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}) });
}

describe('POST /webhooks/git/{projectId}', () => {
  test('a push signed with the project secret deploys the pushed commit on its auto-deploy service', async () => {
    const res = await github(`/webhooks/git/${projectId}`, githubBody(), { delivery: randomUUID() });
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(res.json().items.map((i: { serviceId: string }) => i.serviceId), [serviceId]);
    assert.equal(h.cp.submits.length, 1);
    assert.equal(h.cp.submits[0]!.action, 'DEPLOY_VERSION');
    assert.equal(h.cp.submits[0]!.version, COMMIT);
    assert.equal(h.cp.submits[0]!.origin, 'GIT');
    // In the audit log as the webhook's act: the service, the field it set, never its value.
    const audit = await h.store.listAudit({ resourceId: serviceId, tokenName: 'webhook' }, { limit: 5 });
    assert.deepEqual(
      audit.items.map((e) => [e.action, e.resourceType, e.projectId, e.fields, e.method, e.path, e.statusCode]),
      [['deploy', 'service', projectId, ['version'], 'POST', `${V}/webhooks/git/${projectId}`, 202]],
    );
  });

  test('a bad signature is 401 before the body is read as JSON (a huge malformed body), and nothing changes', async () => {
    // Not even JSON: a server that parsed it first would answer 400.
    const huge = Buffer.from('['.repeat(4 * 1024 * 1024));
    const res = await github(`/webhooks/git/${projectId}`, huge, { signature: sign('something else'), delivery: randomUUID() });
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().error.code, 'UNAUTHORIZED');
    assert.match(res.json().error.message, /signature does not match/);
    // Signed with another project's secret: refused too.
    const otherSecret = (await h.store.getWebhookSecret(otherProjectId))!;
    const body = githubBody();
    assert.equal((await github(`/webhooks/git/${projectId}`, body, { signature: sign(body, otherSecret) })).statusCode, 401);
    // No signature at all: 401.
    assert.equal((await github(`/webhooks/git/${projectId}`, body, { signature: null })).statusCode, 401);
    assert.equal(h.cp.submits.length, 0);
    // None of them was recorded as a delivery: the same body, signed, acts.
    assert.equal((await github(`/webhooks/git/${projectId}`, body)).statusCode, 202);
  });

  test('a delivery seen before answers 200 and queues nothing, also on another server sharing the store', async () => {
    const delivery = randomUUID();
    const body = githubBody();
    assert.equal((await github(`/webhooks/git/${projectId}`, body, { delivery })).statusCode, 202);
    assert.equal(h.cp.submits.length, 1);
    const again = await github(`/webhooks/git/${projectId}`, body, { delivery });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().duplicate, true);
    // The same delivery id with another (signed) body, and the same signed body under a new delivery id.
    assert.equal((await github(`/webhooks/git/${projectId}`, githubBody(COMMIT, 1), { delivery })).statusCode, 200);
    assert.equal((await github(`/webhooks/git/${projectId}`, body, { delivery: randomUUID() })).statusCode, 200);
    // Another server (a restart, another process) on the same database knows it too.
    const other = await buildServer({ store: h.store, controlPlane: h.cp, listImageTags: async () => [], logger: false });
    try {
      const res = await other.inject({
        method: 'POST',
        url: `${V}/webhooks/git/${projectId}`,
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': sign(body), 'x-github-delivery': delivery },
        payload: body,
      });
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await other.close();
    }
    assert.equal(h.cp.submits.length, 1, 'only the first delivery queued a request');
  });

  test('GitLab: the project token deploys; the same event UUID again does nothing; a wrong token is 401', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', checkout_sha: 'b'.repeat(40), project: { git_http_url: REPO } });
    const send = (token: string, uuid: string) =>
      h.app.inject({
        method: 'POST',
        url: `${V}/webhooks/git/${projectId}`,
        headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token, 'x-gitlab-event-uuid': uuid },
        payload: body,
      });
    const uuid = randomUUID();
    assert.equal((await send('wrong', uuid)).statusCode, 401);
    assert.equal((await send(secret, uuid)).statusCode, 202);
    assert.equal((await send(secret, uuid)).statusCode, 200);
    assert.equal(h.cp.submits.length, 1);
    assert.equal(h.cp.submits[0]!.version, 'b'.repeat(40));
  });

  test('an unknown project is 404, a malformed id 400, a request of no provider 400', async () => {
    assert.equal((await github(`/webhooks/git/${randomUUID()}`, githubBody())).statusCode, 404);
    assert.equal((await github('/webhooks/git/not-a-uuid', githubBody())).statusCode, 400);
    const res = await h.app.inject({ method: 'POST', url: `${V}/webhooks/git/${projectId}`, headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(res.statusCode, 400);
    assert.equal(h.cp.submits.length, 0);
  });

  test('bad signatures count as failed authentication: 429 with Retry-After after 20 from one address', async () => {
    const address = '203.0.113.50';
    const body = githubBody();
    for (let i = 0; i < 20; i++) {
      assert.equal((await github(`/webhooks/git/${projectId}`, body, { signature: sign(body, `guess-${i}`), remoteAddress: address })).statusCode, 401);
    }
    const limited = await github(`/webhooks/git/${projectId}`, body, { remoteAddress: address });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(h.cp.submits.length, 0);
  });
});

describe('POST /webhooks/git (the old path)', () => {
  test('still acts on a push signed with a project secret, and refuses an unsigned one', async () => {
    const body = githubBody();
    assert.equal((await github('/webhooks/git', body, { signature: null })).statusCode, 401);
    assert.equal((await github('/webhooks/git', body, { signature: sign(body, 'not-the-secret') })).statusCode, 401);
    const res = await github('/webhooks/git', body, { delivery: randomUUID() });
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(res.json().items.map((i: { serviceId: string }) => i.serviceId), [serviceId]);
    assert.equal(h.cp.submits.length, 1);
  });

  test('a body over 1 MiB is 413 PAYLOAD_TOO_LARGE, signed or not', async () => {
    const big = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: COMMIT, padding: 'x'.repeat(1024 * 1024) }));
    const res = await github('/webhooks/git', big);
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(h.cp.submits.length, 0);
  });
});

test('the OpenAPI document describes the project webhook: params, no security, 200/202/401/404/413/429', async () => {
  const doc = (await h.app.inject({ method: 'GET', url: `${V}/openapi.json`, headers: bearer(h.tokens.viewer) })).json() as {
    paths: Record<string, Record<string, { security?: unknown[]; parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown>; requestBody?: { content: Record<string, unknown> } }>>;
  };
  const op = doc.paths['/api/v1/webhooks/git/{projectId}']?.post;
  assert.ok(op, 'the route is documented');
  assert.deepEqual(op.security, []);
  assert.ok(op.parameters?.some((p) => p.name === 'projectId' && p.in === 'path'));
  for (const status of ['200', '202', '400', '401', '404', '413', '429']) assert.ok(op.responses[status], `documents ${status}`);
  assert.deepEqual(Object.keys(op.requestBody?.content ?? {}).sort(), ['application/json', 'application/x-www-form-urlencoded']);
  assert.ok(doc.paths['/api/v1/webhooks/git']?.post?.responses['413']);
});
