import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acmeFailures } from '../../../src/runtime/docker/caddy/tls-log.js';

// Lines as Caddy 2.11 writes them (trimmed), the ACME server's words in "error".
const REFUSED =
  'HTTP 400 urn:ietf:params:acme:error:rejectedIdentifier - Order included an identifier for which issuance is forbidden by policy: "blocked.example.com"';
const lines = (...entries: object[]): string => entries.map((e) => JSON.stringify(e)).join('\n');
const obtaining = (identifier: string) => ({ level: 'info', logger: 'tls.obtain', msg: 'obtaining certificate', identifier });
const failed = (identifier: string, error: string) => ({ level: 'error', logger: 'tls.obtain', msg: 'could not get certificate from issuer', identifier, issuer: 'ca-dir', error });
const retry = (identifier: string, attempt: number, retrying_in: number) => ({
  level: 'error',
  logger: 'tls.obtain',
  msg: 'will retry',
  error: `[${identifier}] Obtain: [${identifier}] creating new order: attempt ${attempt}: ${REFUSED}`,
  attempt,
  retrying_in,
});
const obtained = (identifier: string) => ({ level: 'info', logger: 'tls.obtain', msg: 'certificate obtained successfully', identifier });

test('the last refusal per host, with the attempt and the wait Caddy announced', () => {
  const text = lines(obtaining('blocked.example.com'), failed('blocked.example.com', REFUSED), retry('blocked.example.com', 1, 60), failed('blocked.example.com', REFUSED), retry('blocked.example.com', 2, 120));
  assert.deepEqual([...acmeFailures(text)], [['blocked.example.com', { error: REFUSED, attempt: 2, retryInSeconds: 120 }]]);
});

test('a certificate obtained later clears the failure; a cut-short attempt is no failure; junk lines are skipped', () => {
  const text = [
    '{"partial line cut by the tail read',
    lines(failed('shop.example.com', '[shop.example.com] solving challenges: [shop.example.com] context canceled (order=https://ca/o/1)')),
    lines(failed('a.example.com', REFUSED), obtaining('a.example.com'), obtained('a.example.com')),
    'not json',
    lines(failed('B.Example.com', REFUSED)),
    '',
  ].join('\n');
  assert.deepEqual([...acmeFailures(text)], [['b.example.com', { error: REFUSED }]]);
  assert.equal(acmeFailures('').size, 0);
});
