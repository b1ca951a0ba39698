import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionRequest } from '../../../src/cli/action-request.js';
import { parseAddress } from '../../../src/cli/address.js';
import { CliError, exitCodeOfStatus } from '../../../src/cli/cli-error.js';
import { configPath } from '../../../src/cli/contexts.js';
import { requestUrl } from '../../../src/cli/api-client.js';
import { parseEnvPairs, parseImageRef } from '../../../src/cli/commands/create.js';
import { relativeTime, table } from '../../../src/cli/output.js';

const ID = '7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11';

test('addresses: an id or PROJECT[/ENV[/SERVICE]]', () => {
  assert.deepEqual(parseAddress(ID.toUpperCase()), { kind: 'id', id: ID });
  assert.deepEqual(parseAddress('shop'), { kind: 'project', project: 'shop' });
  assert.deepEqual(parseAddress('shop/staging'), { kind: 'environment', project: 'shop', environment: 'staging' });
  assert.deepEqual(parseAddress('shop/staging/web'), { kind: 'service', project: 'shop', environment: 'staging', service: 'web' });
  for (const bad of ['a/b/c/d', 'Shop', 'shop//web', '', '-x']) {
    assert.throws(() => parseAddress(bad), (e: unknown) => e instanceof CliError && e.exitCode === 2, bad);
  }
});

test('actions map to the API request, table by table', () => {
  const service = { kind: 'service' as const, id: 's1' };
  const env = { kind: 'environment' as const, id: 'e1' };
  const cases: Array<[Parameters<typeof actionRequest>, unknown]> = [
    [['deploy', service], { method: 'POST', path: '/services/s1/deploy', query: {} }],
    [['deploy', service, { version: 'v2', queue: false }], { method: 'POST', path: '/services/s1/deploy', query: { queue: false }, body: { version: 'v2' } }],
    [['redeploy', env], { method: 'POST', path: '/environments/e1/redeploy', query: {} }],
    [['stop', env, { queue: true }], { method: 'POST', path: '/environments/e1/stop', query: {} }],
    [['restart', service], { method: 'POST', path: '/services/s1/restart', query: {} }],
    [['cancel', env, { force: true }], { method: 'POST', path: '/environments/e1/cancel', body: { force: true } }],
    [['deploy-latest', env, { serviceIds: ['a'] }], { method: 'POST', path: '/environments/e1/deploy-latest', query: {}, body: { serviceIds: ['a'] } }],
    [['delete', service, { keepData: true }], { method: 'DELETE', path: '/services/s1', query: { keepData: true } }],
    [['delete', env], { method: 'DELETE', path: '/environments/e1', query: {} }],
  ];
  for (const [args, expected] of cases) assert.deepEqual(actionRequest(...args), expected, args.map((a) => JSON.stringify(a)).join(' '));
});

test('actions a target does not take are usage errors', () => {
  const refused: Array<Parameters<typeof actionRequest>> = [
    ['restart', { kind: 'environment', id: 'e1' }],
    ['cancel', { kind: 'service', id: 's1' }],
    ['deploy', { kind: 'project', id: 'p1' }],
    ['redeploy', { kind: 'service', id: 's1' }, { version: 'v2' }],
    ['deploy', { kind: 'environment', id: 'e1' }, { version: 'v2' }],
  ];
  for (const args of refused) assert.throws(() => actionRequest(...args), (e: unknown) => e instanceof CliError && e.exitCode === 2, JSON.stringify(args));
});

test('exit codes of HTTP statuses', () => {
  assert.deepEqual([400, 401, 403, 404, 409, 413, 500, 502].map(exitCodeOfStatus), [2, 5, 5, 4, 3, 1, 1, 1]);
});

test('config path: XDG_CONFIG_HOME, else ~/.config', () => {
  assert.equal(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/slipway/config.json');
  assert.equal(configPath({ HOME: '/h' }), '/h/.config/slipway/config.json');
});

test('request URLs, image refs, env pairs, tables, times', () => {
  assert.equal(requestUrl('http://h:1', { path: '/projects', query: { a: 1, b: undefined, c: false } }), 'http://h:1/api/v1/projects?a=1&c=false');
  assert.deepEqual(parseImageRef('127.0.0.1:5000/app:v1'), { name: '127.0.0.1:5000/app', tag: 'v1' });
  assert.deepEqual(parseImageRef('127.0.0.1:5000/app'), { name: '127.0.0.1:5000/app', tag: 'latest' });
  assert.deepEqual(parseEnvPairs(['A=1', 'B=x=y']), [{ key: 'A', value: '1' }, { key: 'B', value: 'x=y' }]);
  assert.throws(() => parseEnvPairs(['nope']), (e: unknown) => e instanceof CliError && e.exitCode === 2);
  assert.deepEqual(table(['a', 'bb'], [['xxx', 'y'], ['z', 'w']]), ['A    BB', 'xxx  y', 'z    w']);
  const now = Date.parse('2030-01-01T12:00:00Z');
  assert.equal(relativeTime('2030-01-01T11:59:30Z', now), '30s ago');
  assert.equal(relativeTime('2030-01-01T09:00:00Z', now), '3h ago');
  assert.equal(relativeTime(null, now), '-');
});
