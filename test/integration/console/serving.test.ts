import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../../src/api/server.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import { TestControlPlane } from '../api-harness.js';

/** `slipway server` serves the built console at `/`, console paths fall back to it, the API keeps its JSON 404. */
describe('console served by the API server', () => {
  let dir: string;
  let store: Store;
  let app: FastifyInstance;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-console-'));
    const web = join(dir, 'web');
    await mkdir(join(web, 'assets'), { recursive: true });
    await writeFile(join(web, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(web, 'assets', 'app-abc123.js'), 'console.log(1)');
    await writeFile(join(dir, 'outside.txt'), 'secret');
    store = await createStore({ dataDir: dir, secretKey: 'console-test-key' });
    app = await buildServer({ store, controlPlane: new TestControlPlane(store), listImageTags: async () => [], logger: false, consoleDir: web });
  });

  after(async () => {
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('GET / answers index.html without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type'] ?? ''), /text\/html/);
    assert.match(res.body, /<title>console<\/title>/);
  });

  test('a console path (deep link) answers index.html', async () => {
    const res = await app.inject({ method: 'GET', url: '/environments/4f1c2b9e-0000-4000-8000-000000000000?x=1' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<title>console<\/title>/);
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  test('hashed assets are served with a long immutable cache', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type'] ?? ''), /javascript/);
    assert.equal(res.body, 'console.log(1)');
    assert.match(String(res.headers['cache-control']), /immutable/);
  });

  test('paths under /api stay the API: JSON 404 for unknown routes, 401 without a token', async () => {
    for (const url of ['/api/v1/nothing-here', '/api/v2/projects', '/api']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'NOT_FOUND', url);
    }
    const projects = await app.inject({ method: 'GET', url: '/api/v1/projects' });
    assert.equal(projects.statusCode, 401);
    assert.equal(projects.json().error.code, 'UNAUTHORIZED');
  });

  test('no file outside the console directory is reachable', async () => {
    for (const url of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt']) {
      const res = await app.inject({ method: 'GET', url });
      assert.doesNotMatch(res.body, /secret/, url);
    }
  });

  test('the health probe is still the API route', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.doesNotMatch(res.body, /<title>/);
  });
});
