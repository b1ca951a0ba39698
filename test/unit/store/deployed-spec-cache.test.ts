import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SERVICE_SETTINGS, type DeployedSpec } from '../../../src/domain/index.js';
import { DeployedSpecCache } from '../../../src/store/deployed-spec-cache.js';

function spec(tag: string): DeployedSpec {
  return { source: { image: { name: 'web', tag } }, settings: { ...DEFAULT_SERVICE_SETTINGS, env: [{ key: 'TOKEN', value: 's3cret', secret: true }] } };
}

test('a spec is loaded once per service and digest, then the same frozen object is handed out', () => {
  const cache = new DeployedSpecCache();
  let loads = 0;
  const load = () => {
    loads++;
    return spec('v1');
  };
  const first = cache.get('svc-1', 'digest-1', load);
  assert.equal(cache.get('svc-1', 'digest-1', load), first);
  assert.equal(loads, 1);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.settings) && Object.isFrozen(first.settings.env[0]));
  assert.throws(() => {
    (first.settings as { instances: number }).instances = 5;
  }, TypeError);
  // Another digest (a new deploy) or another service is another spec.
  cache.get('svc-1', 'digest-2', load);
  cache.get('svc-2', 'digest-1', load);
  assert.equal(loads, 3);
});

test('past its size the least recently used spec is let go', () => {
  const cache = new DeployedSpecCache(2);
  const loaded: string[] = [];
  const get = (digest: string) => cache.get('svc', digest, () => (loaded.push(digest), spec(digest)));
  get('a');
  get('b');
  get('a'); // used again: now the most recent
  get('c'); // lets "b" go
  get('a');
  assert.deepEqual(loaded, ['a', 'b', 'c']);
  get('b');
  assert.deepEqual(loaded, ['a', 'b', 'c', 'b']);
});
