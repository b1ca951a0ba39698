import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildServer } from '../../src/api/server.js';
import { createStore } from '../../src/store/create-store.js';
import { TestControlPlane, bearer } from './api-harness.js';

/** A server logging to memory at `level`, on a store of its own. */
async function loggingServer(level: 'info' | 'debug') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'slipway-api-log-'));
  const store = await createStore({ dataDir: dir, secretKey: 'k' });
  const cp = new TestControlPlane(store);
  const app = await buildServer({ store, controlPlane: cp, listImageTags: async () => [], logger: pino({ level }, sink), bootstrapToken: 'tok-very-secret-1' });
  return {
    app,
    cp,
    lines,
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('request logs hold neither bodies nor the Authorization header; a 500 is logged, not answered', async () => {
  const { app, cp, lines, close } = await loggingServer('info');
  try {
    const admin = bearer('tok-very-secret-1');
    const p = await app.inject({ method: 'POST', url: '/api/v1/projects', headers: admin, payload: { name: 'logs' } });
    const e = await app.inject({ method: 'POST', url: `/api/v1/projects/${p.json().id}/environments`, headers: admin, payload: { name: 'prod' } });
    const s = await app.inject({
      method: 'POST',
      url: `/api/v1/environments/${e.json().id}/services`,
      headers: admin,
      payload: { name: 'api', type: 'container', source: { image: { name: 'nginx', tag: '1' } }, settings: { env: [{ key: 'PW', value: 'body-secret-42', secret: true }] } },
    });
    assert.equal(s.statusCode, 201);
    cp.failNext = new Error('internal detail xyzzy');
    const failed = await app.inject({ method: 'GET', url: `/api/v1/services/${s.json().id}/actions`, headers: admin });
    assert.equal(failed.statusCode, 500);
    assert.ok(!failed.body.includes('xyzzy'));
    const log = lines.join('');
    assert.ok(log.includes('/api/v1/projects'), 'requests are logged');
    assert.ok(log.includes('xyzzy'), 'the internal error is logged');
    assert.ok(!log.includes('tok-very-secret-1'), 'no token in the logs');
    assert.ok(!log.includes('body-secret-42'), 'no body in the logs');
  } finally {
    await close();
  }
});

test('a request is one info line once answered (method, url, status, time); its arrival is logged at debug', async () => {
  const linesAt = async (level: 'info' | 'debug'): Promise<Array<Record<string, unknown>>> => {
    const { app, lines, close } = await loggingServer(level);
    try {
      lines.length = 0;
      const answer = await app.inject({ method: 'GET', url: '/api/v1/projects', headers: bearer('tok-very-secret-1') });
      assert.equal(answer.statusCode, 200);
      return lines.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    } finally {
      await close();
    }
  };
  const info = await linesAt('info');
  assert.deepEqual(info.map((l) => l.msg), ['request completed']);
  const [line] = info;
  assert.deepEqual(line?.req, { method: 'GET', url: '/api/v1/projects', host: 'localhost:80', remoteAddress: '127.0.0.1' });
  assert.deepEqual(line?.res, { statusCode: 200 });
  assert.equal(typeof line?.responseTime, 'number');
  const debug = await linesAt('debug');
  assert.deepEqual(debug.map((l) => `${l.level} ${l.msg}`), ['20 incoming request', '30 request completed']);
});
