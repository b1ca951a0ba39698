import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { errorStatusesOf } from '../../src/api/documented-errors.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

/**
 * The OpenAPI document says what the server answers: the refusals every route can give are
 * declared on it, a wrong method on a known path is 405 with `Allow`, streams are
 * text/event-stream. (test/integration/api-fuzz.test.ts checks the same by fuzzing a real server.)
 */

const V = '/api/v1';
let h: Harness;
type Operation = { responses: Record<string, { content?: Record<string, unknown> }>; security?: unknown[] };
let paths: Record<string, Record<string, Operation>>;

before(async () => {
  h = await startHarness();
  const res = await h.app.inject({ method: 'GET', url: `${V}/openapi.json`, headers: bearer(h.tokens.viewer) });
  assert.equal(res.statusCode, 200);
  paths = res.json().paths;
});

after(async () => {
  await h?.close();
});

function operation(path: string, method: string): Operation {
  const op = paths[`${V}${path}`]?.[method];
  assert.ok(op, `the document has no ${method} ${path}`);
  return op;
}

function statuses(op: Operation): string[] {
  return Object.keys(op.responses);
}

describe('methods', () => {
  test('a wrong method on a known path is 405 METHOD_NOT_ALLOWED with Allow; an unknown path stays 404', async () => {
    const admin = bearer(h.tokens.admin);
    for (const method of ['PUT', 'OPTIONS', 'DELETE'] as const) {
      const res = await h.app.inject({ method, url: `${V}/projects`, headers: admin });
      assert.equal(res.statusCode, 405, `${method} /projects: ${res.body}`);
      assert.equal(res.json().error.code, 'METHOD_NOT_ALLOWED');
      assert.equal(res.headers.allow, 'GET, HEAD, POST');
    }
    const onId = await h.app.inject({ method: 'POST', url: `${V}/deployments/7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11`, headers: admin });
    assert.equal(onId.statusCode, 405, onId.body);
    assert.equal(onId.headers.allow, 'GET, HEAD');
    // The webhook is POST only; the console's GET catch-all does not hide that.
    const hook = await h.app.inject({ method: 'GET', url: `${V}/webhooks/git` });
    assert.equal(hook.statusCode, 405, hook.body);
    assert.equal(hook.headers.allow, 'POST');
    const unknown = await h.app.inject({ method: 'PUT', url: `${V}/nothing-here`, headers: admin });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'NOT_FOUND');
  });

  test('a method Fastify treats as carrying a body (QUERY) is 405 too, and a malformed URL is 400 in the error format', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const raw = (method: string, path: string) =>
      new Promise<{ status: number; allow?: string; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path, headers: bearer(h.tokens.admin) }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.allow ? { allow: res.headers.allow } : {}), body }));
        });
        req.on('error', reject);
        req.end();
      });
    const query = await raw('QUERY', `${V}/projects`);
    assert.equal(query.status, 405, query.body);
    assert.equal(query.allow, 'GET, HEAD, POST');
    const bad = await raw('GET', `${V}/projects/%zz`);
    assert.equal(bad.status, 400, bad.body);
    assert.equal(JSON.parse(bad.body).error.code, 'VALIDATION_FAILED');
  });
});

describe('declared refusals', () => {
  test('every authenticated operation declares 400, 401, 403, 404, 429, 500 and 502; writes 409 and 413, public writes 401', () => {
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const declared = statuses(op);
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        const writes = ['post', 'put', 'patch', 'delete'].includes(method);
        const wanted = ['400', '404', '500', ...(isPublic ? [] : ['401', '403', '429', '502']), ...(writes ? ['413', isPublic ? '401' : '409'] : [])];
        for (const s of wanted) assert.ok(declared.includes(s), `${method.toUpperCase()} ${path} does not declare ${s} (declares ${declared.join(', ')})`);
        for (const s of declared.filter((x) => Number(x) >= 400)) {
          assert.ok(op.responses[s]!.content?.['application/json'], `${method.toUpperCase()} ${path} ${s} is not JSON`);
        }
      }
    }
  });

  test('an error\'s code is narrowed to the codes its status carries', () => {
    const codeOf = (path: string, method: string, status: string) =>
      JSON.stringify((operation(path, method).responses[status]!.content!['application/json'] as { schema: { properties: { error: { properties: { code: unknown } } } } }).schema.properties.error.properties.code);
    const conflict = codeOf('/services/{id}/stop', 'post', '409');
    for (const c of ['ACTION_NOT_AVAILABLE', 'ENVIRONMENT_BUSY', 'CONFLICT']) assert.ok(conflict.includes(c), conflict);
    assert.ok(codeOf('/services/{id}', 'get', '502').includes('UPSTREAM_UNAVAILABLE'));
    assert.ok(!codeOf('/services/{id}', 'get', '502').includes('INTERNAL'));
    assert.ok(codeOf('/projects', 'post', '400').includes('VALIDATION_FAILED'));
  });

  test('the signed webhook, public, declares 401, 413 and 429', () => {
    const declared = statuses(operation('/webhooks/git', 'post'));
    for (const s of ['401', '413', '429']) assert.ok(declared.includes(s), `POST /webhooks/git does not declare ${s}`);
  });

  test('a route added later gets them without declaring any: a signed public write (a webhook) 401, 413, 429', () => {
    assert.deepEqual(errorStatusesOf({ method: 'POST', config: { access: 'public' } }, new Set()), [400, 401, 404, 413, 429, 500]);
    assert.deepEqual(errorStatusesOf({ method: 'GET', config: { access: 'public' } }, new Set()), [400, 404, 500]);
    assert.deepEqual(errorStatusesOf({ method: 'GET', config: { access: 'viewer' } }, new Set()), [400, 401, 403, 404, 429, 500, 502]);
    assert.deepEqual(errorStatusesOf({ method: 'PATCH', config: {} }, new Set()), [400, 401, 403, 404, 409, 413, 429, 500, 502]);
  });

  test('the health probes declare no authentication refusal', () => {
    for (const path of ['/healthz', '/readyz']) assert.ok(!statuses(operation(path, 'get')).includes('401'), path);
  });
});

describe('content types', () => {
  test('GET /events is text/event-stream; logs are JSON or, followed, text/event-stream (both described by their events); metrics text/plain, errors JSON', () => {
    assert.deepEqual(Object.keys(operation('/events', 'get').responses['200']!.content ?? {}), ['text/event-stream']);
    assert.deepEqual(Object.keys(operation('/deployments/{id}/logs', 'get').responses['200']!.content ?? {}).sort(), ['application/json', 'text/event-stream']);
    // A stream is described by its events (what a client, and schemathesis, checks each one against).
    for (const [path, label] of [['/events', 'events'], ['/deployments/{id}/logs', 'logs']] as const) {
      const schema = (operation(path, 'get').responses['200']!.content!['text/event-stream'] as { schema: { type: string; properties: Record<string, unknown> } }).schema;
      assert.equal(schema.type, 'object', label);
      assert.deepEqual(Object.keys(schema.properties).sort(), ['data', 'event', 'id'], label);
    }
    const metrics = operation('/metrics', 'get');
    assert.deepEqual(Object.keys(metrics.responses['200']!.content ?? {}), ['text/plain']);
    assert.deepEqual(Object.keys(metrics.responses['401']!.content ?? {}), ['application/json']);
  });
});

describe('response bodies', () => {
  test('the main resources are described field by field, not as any object', () => {
    const fields = (path: string, method: string, status: string) =>
      Object.keys((operation(path, method).responses[status]!.content!['application/json'] as { schema: { properties?: Record<string, unknown> } }).schema.properties ?? {});
    for (const f of ['id', 'state', 'runningState', 'deployedVersion', 'endpoints']) assert.ok(fields('/services/{id}', 'get', '200').includes(f), `service ${f}`);
    for (const f of ['id', 'state', 'runningState', 'runtime']) assert.ok(fields('/environments/{id}', 'get', '200').includes(f), `environment ${f}`);
    for (const f of ['id', 'status', 'stages']) assert.ok(fields('/deployments/{id}', 'get', '200').includes(f), `deployment ${f}`);
    assert.ok(fields('/projects', 'post', '201').includes('webhookSecret'));
    assert.ok(fields('/tokens', 'post', '201').includes('token'));
    assert.deepEqual(fields('/environments/{id}/queue', 'get', '200').sort(), ['items', 'running']);
  });
});

describe('request bodies', () => {
  test('a body with a __proto__ key is refused saying so, not as malformed JSON', async () => {
    const headers = { ...bearer(h.tokens.admin), 'content-type': 'application/json' };
    for (const payload of ['{"name":"a","__proto__":{"x":1}}', '{"name":"a","constructor":{"prototype":{"x":1}}}']) {
      const res = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers, payload });
      assert.equal(res.statusCode, 400, res.body);
      const error = res.json().error;
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.match(JSON.stringify(error.details), /__proto__/, res.body);
    }
    const malformed = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers, payload: '{"name":' });
    assert.match(JSON.stringify(malformed.json().error.details), /malformed JSON/);
  });
});
