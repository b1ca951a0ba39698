import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressPolicy } from '../../../src/notifications/address-policy.js';

test('refuses this machine, link-local and metadata addresses, non-http URLs and URL credentials', () => {
  const policy = new AddressPolicy();
  for (const url of [
    'http://127.0.0.1/hook',
    'http://127.9.9.9:8080/',
    'http://localhost/hook',
    'http://app.localhost/',
    'http://[::1]/',
    'http://0.0.0.0/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://100.100.100.200/',
    'file:///etc/passwd',
    'ftp://example.com/',
    'https://user:pass@example.com/',
    'not a url',
  ]) {
    assert.ok(policy.refuseUrl(url), `${url} is refused`);
  }
  for (const url of ['https://hooks.slack.com/services/T/B/x', 'http://10.0.0.5:9000/hook', 'https://example.com/']) {
    assert.equal(policy.refuseUrl(url), null, `${url} is allowed`);
  }
});

test('resolved addresses are checked too; an allowed host is exempt', () => {
  const policy = new AddressPolicy(['127.0.0.1']);
  assert.equal(policy.refuseUrl('http://127.0.0.1:4567/hook'), null);
  const named = new URL('http://evil.example/');
  assert.ok(policy.refuseAddress(named, '169.254.169.254'));
  assert.ok(policy.refuseAddress(named, '127.0.0.1'), 'a name resolving to loopback is refused: only the host named is allowed');
  assert.equal(policy.refuseAddress(named, '93.184.216.34'), null);
  assert.equal(new AddressPolicy(['localhost:8080']).refuseUrl('http://localhost:8080/'), null);
  assert.ok(new AddressPolicy(['localhost:8080']).refuseUrl('http://localhost:9090/'));
});
