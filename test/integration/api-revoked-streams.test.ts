import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SseClient, bearer, startHarness, type Harness } from './api-harness.js';

/** docs/api.md#tokens-and-roles: a revoked token's open event streams are closed. */

const V = '/api/v1';
let h: Harness;
let base: string;

before(async () => {
  h = await startHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});

after(async () => {
  await h?.close();
});

async function deployerToken(name: string): Promise<{ id: string; token: string }> {
  const res = await h.app.inject({ method: 'POST', url: `${V}/tokens`, headers: bearer(h.tokens.admin), payload: { name, role: 'deployer' } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json() as { id: string; token: string };
}

test('DELETE /tokens/{id} ends the open /events stream of that token', async () => {
  const { id, token } = await deployerToken('streamer');
  const client = new SseClient(`${base}${V}/events`, bearer(token));
  const other = new SseClient(`${base}${V}/events`, bearer(h.tokens.viewer));
  try {
    await client.until(() => client.statusCode === 200, 'the stream to open');
    await other.until(() => other.statusCode === 200, 'the other stream to open');
    const res = await h.app.inject({ method: 'DELETE', url: `${V}/tokens/${id}`, headers: bearer(h.tokens.admin) });
    assert.equal(res.statusCode, 204);
    await client.until(() => client.ended, 'the revoked token’s stream to end', 10_000);
    // Another token's stream stays open.
    assert.equal(other.ended, false);
  } finally {
    client.close();
    other.close();
  }
});

test('a token revoked by another process (gone from the store) ends its streams within seconds', async () => {
  const { id, token } = await deployerToken('streamer-2');
  const client = new SseClient(`${base}${V}/events`, bearer(token));
  try {
    await client.until(() => client.statusCode === 200, 'the stream to open');
    // Straight in the store, as another Slipway process sharing the database would.
    assert.ok(await h.store.deleteToken(id));
    await client.until(() => client.ended, 'the stream to end after the periodic re-check', 15_000);
  } finally {
    client.close();
  }
});
