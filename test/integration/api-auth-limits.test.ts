import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_AUTH_FAILURE_LIMITS } from '../../src/api/auth-failure-limiter.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

/**
 * docs/api.md#rate-limiting: failed authentication is rate-limited per client address (429 with
 * Retry-After).
 */

const V = '/api/v1';
let h: Harness;

before(async () => {
  h = await startHarness();
});

after(async () => {
  await h?.close();
});

function whoami(remoteAddress: string, headers: Record<string, string>) {
  return h.app.inject({ method: 'GET', url: `${V}/whoami`, headers, remoteAddress });
}

test(`after ${DEFAULT_AUTH_FAILURE_LIMITS.maxFailures} bad tokens from one address it gets 429 with Retry-After; another address still works`, async () => {
  const attacker = '203.0.113.7';
  // No token at all is refused but not counted.
  for (let i = 0; i < DEFAULT_AUTH_FAILURE_LIMITS.maxFailures + 5; i++) assert.equal((await whoami(attacker, {})).statusCode, 401);
  for (let i = 0; i < DEFAULT_AUTH_FAILURE_LIMITS.maxFailures; i++) {
    const res = await whoami(attacker, bearer(`slw_guess-${i}`));
    assert.equal(res.statusCode, 401, `failure ${i + 1} is still a 401`);
  }
  const limited = await whoami(attacker, bearer('slw_guess-more'));
  assert.equal(limited.statusCode, 429, limited.body);
  assert.equal(limited.json().error.code, 'RATE_LIMITED');
  const retryAfter = Number(limited.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `Retry-After: ${limited.headers['retry-after']}`);
  // While limited, even a good token from that address learns nothing.
  assert.equal((await whoami(attacker, bearer(h.tokens.viewer))).statusCode, 429);
  // Another address is not affected.
  const other = await whoami('198.51.100.2', bearer(h.tokens.viewer));
  assert.equal(other.statusCode, 200, other.body);
  assert.equal(other.json().role, 'viewer');
});

test('successful requests are never counted', async () => {
  const busy = '198.51.100.9';
  for (let i = 0; i < DEFAULT_AUTH_FAILURE_LIMITS.maxFailures * 2; i++) assert.equal((await whoami(busy, bearer(h.tokens.viewer))).statusCode, 200);
  // A few failures after many successes are still only 401s.
  for (let i = 0; i < 3; i++) assert.equal((await whoami(busy, bearer('slw_wrong'))).statusCode, 401);
  assert.equal((await whoami(busy, bearer(h.tokens.viewer))).statusCode, 200);
});

test('the OpenAPI document lists 429 on authenticated routes', async () => {
  const doc = (await h.app.inject({ method: 'GET', url: `${V}/openapi.json`, headers: bearer(h.tokens.viewer) })).json() as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  assert.ok(doc.paths['/api/v1/whoami']?.get?.responses['429'], 'GET /whoami documents 429');
});
