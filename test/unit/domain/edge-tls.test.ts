import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpsOrigin, redirectsToHttps, shortReason, tlsState, type AcmeFailure, type TlsProbe, type TlsState } from '../../../src/domain/edge-tls.js';

const refused: AcmeFailure = { error: 'HTTP 400 urn:ietf:params:acme:error:rejectedIdentifier - forbidden by policy', attempt: 2, retryInSeconds: 120 };

test('the certificate state of a host: what the handshake found, and the ACME server reason when none is served', () => {
  const table: Array<[TlsProbe, AcmeFailure | undefined, TlsState]> = [
    [{ served: 'trusted', notAfter: '2027-01-01T00:00:00.000Z' }, undefined, { status: 'ISSUED', notAfter: '2027-01-01T00:00:00.000Z' }],
    // A failed renewal still leaves a valid certificate.
    [{ served: 'trusted' }, refused, { status: 'ISSUED' }],
    [{ served: 'untrusted', detail: 'certificate not trusted: CERT_HAS_EXPIRED' }, undefined, { status: 'ERROR', reason: 'certificate not trusted: CERT_HAS_EXPIRED' }],
    [{ served: 'none', detail: 'no certificate yet (ECONNRESET)' }, undefined, { status: 'PENDING', reason: 'no certificate yet (ECONNRESET)' }],
    [
      { served: 'none', detail: 'no certificate yet' },
      refused,
      { status: 'ERROR', reason: 'the ACME server refused the certificate: HTTP 400 urn:ietf:params:acme:error:rejectedIdentifier - forbidden by policy; the edge tries again in 2 min (attempt 2 failed)' },
    ],
    [{ served: 'none', detail: 'x' }, { error: 'HTTP 403 unauthorized', retryInSeconds: 60 }, { status: 'ERROR', reason: 'the ACME server refused the certificate: HTTP 403 unauthorized; the edge tries again in 60 s' }],
    [{ served: 'none', detail: 'x' }, { error: 'HTTP 403 unauthorized' }, { status: 'ERROR', reason: 'the ACME server refused the certificate: HTTP 403 unauthorized; the edge tries again with backoff' }],
  ];
  for (const [probe, failure, expected] of table) assert.deepEqual(tlsState(probe, failure), expected, JSON.stringify([probe, failure]));
});

test('reasons are one bounded line', () => {
  assert.equal(shortReason('  a\n  b\tc '), 'a b c');
  const long = shortReason('x'.repeat(1000));
  assert.equal(long.length, 400);
  assert.ok(long.endsWith('…'));
});

test('plain http redirects to https only for an issued ACME certificate', () => {
  const table: Array<[TlsState['status'], boolean, boolean]> = [
    ['ISSUED', true, true],
    ['ISSUED', false, false],
    ['PENDING', true, false],
    ['ERROR', true, false],
  ];
  for (const [status, fromAcme, expected] of table) assert.equal(redirectsToHttps({ status }, fromAcme), expected, `${status} ${fromAcme}`);
});

test('the https origin leaves out port 443', () => {
  assert.equal(httpsOrigin('shop.example.com', 443), 'https://shop.example.com');
  assert.equal(httpsOrigin('shop.example.com', 8443), 'https://shop.example.com:8443');
});
