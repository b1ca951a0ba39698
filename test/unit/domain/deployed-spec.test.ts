import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordsDeploy, type DeployedState, type DeployedSpec } from '../../../src/domain/index.js';

const spec = { source: { image: { name: 'web', tag: 'v1' } }, settings: { instances: 1, env: { A: '1', B: '2' } } } as unknown as DeployedSpec;
const reordered = { settings: { env: { B: '2', A: '1' }, instances: 1 }, source: { image: { tag: 'v1', name: 'web' } } } as unknown as DeployedSpec;
const edited = { source: { image: { name: 'web', tag: 'v1' } }, settings: { instances: 2, env: { A: '1', B: '2' } } } as unknown as DeployedSpec;
const recorded: DeployedState = { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpec: spec };

test('recordsDeploy: only the very same version, hash and spec need no write', () => {
  const cases: Array<[string, DeployedState, boolean]> = [
    ['identical', { ...recorded }, true],
    ['same spec, keys in another order', { ...recorded, deployedSpec: reordered }, true],
    ['another version', { ...recorded, deployedVersion: 'v2' }, false],
    ['another hash', { ...recorded, deployedSpecHash: 'h2' }, false],
    ['settings edited', { ...recorded, deployedSpec: edited }, false],
    ['spec not known before', { ...recorded, deployedSpec: null }, false],
  ];
  for (const [name, deployed, expected] of cases) assert.equal(recordsDeploy(recorded, deployed), expected, name);
  assert.equal(recordsDeploy({ deployedVersion: null, deployedSpecHash: null, deployedSpec: null }, { deployedVersion: null, deployedSpecHash: null, deployedSpec: null }), true);
});
