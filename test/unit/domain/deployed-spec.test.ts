import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployedSpecDigest, recordsDeploy, type DeployedState, type DeployedSpec, type Service } from '../../../src/domain/index.js';

const spec = { source: { image: { name: 'web', tag: 'v1' } }, settings: { instances: 1, env: { A: '1', B: '2' } } } as unknown as DeployedSpec;
const reordered = { settings: { env: { B: '2', A: '1' }, instances: 1 }, source: { image: { tag: 'v1', name: 'web' } } } as unknown as DeployedSpec;
const edited = { source: { image: { name: 'web', tag: 'v1' } }, settings: { instances: 2, env: { A: '1', B: '2' } } } as unknown as DeployedSpec;
const deploy: DeployedState = { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpec: spec };
type Recorded = Pick<Service, 'deployedVersion' | 'deployedSpecHash' | 'deployedSpecDigest'>;
const recorded: Recorded = { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpecDigest: deployedSpecDigest(spec) };

test('deployedSpecDigest: a change counts, a JSON round trip does not', () => {
  assert.notEqual(deployedSpecDigest(edited), deployedSpecDigest(spec));
  assert.equal(deployedSpecDigest(null), null);
  // What the store gives back (parsed from the JSON it wrote, undefined fields gone) digests alike.
  const withUndefined = { ...spec, rollout: undefined } as unknown as DeployedSpec;
  assert.equal(deployedSpecDigest(JSON.parse(JSON.stringify(withUndefined)) as DeployedSpec), deployedSpecDigest(withUndefined));
  assert.equal(deployedSpecDigest(withUndefined), deployedSpecDigest(spec));
});

test('recordsDeploy: only the very same version, hash and spec need no write', () => {
  const cases: Array<[string, DeployedState, boolean]> = [
    ['identical', { ...deploy }, true],
    // Never built so (deployedSpecOf builds it from what the store parsed): recorded once more.
    ['same spec, keys in another order', { ...deploy, deployedSpec: reordered }, false],
    ['another version', { ...deploy, deployedVersion: 'v2' }, false],
    ['another hash', { ...deploy, deployedSpecHash: 'h2' }, false],
    ['settings edited', { ...deploy, deployedSpec: edited }, false],
    ['spec not known before', { ...deploy, deployedSpec: null }, false],
  ];
  for (const [name, deployed, expected] of cases) assert.equal(recordsDeploy(recorded, deployed), expected, name);
  assert.equal(recordsDeploy({ deployedVersion: null, deployedSpecHash: null, deployedSpecDigest: null }, { deployedVersion: null, deployedSpecHash: null, deployedSpec: null }), true);
});

test('recordsDeploy: a spec recorded before digests were kept is written once more', () => {
  assert.equal(recordsDeploy({ ...recorded, deployedSpecDigest: null }, deploy), false);
});
