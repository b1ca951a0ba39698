import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { bootstrapAdmin } from '../../src/api/auth.js';
import { describeOnEachBackend } from './store-backends.js';

/**
 * docs/api.md#tokens-and-roles: the bootstrap token (a secret a person chose) is stored salted and
 * slow; generated tokens keep SHA-256.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describeOnEachBackend('token hashes', (s) => {

  it('stores the bootstrap token with a salted scrypt hash, not its sha256, and authenticates it', async () => {
    assert.equal(await bootstrapAdmin(s.store, 'change-me'), true);
    const rows = await s.backend.rawRows('select id, token_hash from tokens where name = $1', ['bootstrap']);
    assert.equal(rows.length, 1);
    const stored = String(rows[0]!.token_hash);
    assert.notEqual(stored, sha256('change-me'));
    assert.ok(!stored.includes('change-me'));
    assert.match(stored, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const token = await s.store.authenticate('change-me');
    assert.equal(token?.role, 'admin');
    assert.equal(token?.id, rows[0]!.id);
    // Again (from the verified cache) and from another store (another process).
    assert.equal((await s.store.authenticate('change-me'))?.id, token?.id);
    assert.equal((await (await s.backend.openStore()).authenticate('change-me'))?.id, token?.id);
    assert.equal(await s.store.authenticate('change-me!'), undefined);
  });

  it('two secrets stored slow get different salts', async () => {
    const a = await s.store.createToken({ name: 'chosen-a', role: 'viewer', secret: 'same-secret' });
    // Stored twice under another name: the unique index on the hash does not fire (the salts differ).
    const b = await s.store.createToken({ name: 'chosen-b', role: 'viewer', secret: 'same-secret' });
    const rows = await s.backend.rawRows('select token_hash from tokens where id in ($1, $2)', [a.id, b.id]);
    assert.notEqual(rows[0]!.token_hash, rows[1]!.token_hash);
    await s.store.deleteToken(a.id);
    await s.store.deleteToken(b.id);
  });

  it('a revoked slow-hashed token no longer authenticates, even after being verified once', async () => {
    const chosen = await s.store.createToken({ name: 'chosen', role: 'deployer', secret: 'a-chosen-secret' });
    assert.equal((await s.store.authenticate('a-chosen-secret'))?.id, chosen.id);
    assert.equal(await s.store.deleteToken(chosen.id), true);
    assert.equal(await s.store.authenticate('a-chosen-secret'), undefined);
  });

  it('a bootstrap token stored the old way (sha256) still authenticates and is rehashed at start', async () => {
    const other = await s.backend.openStore();
    // An older Slipway stored it as the plain sha256 of the secret.
    const old = await other.createToken({ name: 'old-bootstrap', role: 'admin' });
    const rows = await s.backend.rawRows('select token_hash from tokens where id = $1', [old.id]);
    assert.equal(rows[0]!.token_hash, sha256(old.token));
    assert.equal((await s.store.authenticate(old.token))?.id, old.id);
    // The server starts with that secret as SLIPWAY_BOOTSTRAP_TOKEN: tokens exist, nothing is created, the hash is upgraded.
    assert.equal(await bootstrapAdmin(s.store, old.token), false);
    const after = await s.backend.rawRows('select token_hash from tokens where id = $1', [old.id]);
    assert.match(String(after[0]!.token_hash), /^scrypt\$/);
    assert.equal((await s.store.authenticate(old.token))?.id, old.id);
  });
});
