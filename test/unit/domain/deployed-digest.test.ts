import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployedDigestFor, type Service } from '../../../src/domain/index.js';

const digest = `registry.example/web@sha256:${'a'.repeat(64)}`;
const deployed = { deployedVersion: 'v1', deployedSpec: { rollout: { image: digest } } } as unknown as Service;
const image = { name: 'registry.example/web', tag: 'v1' };

test('deployedDigestFor: the digest deployed, only when the same tag fell back to itself', () => {
  const cases: Array<[string, Service, string, string, string | undefined]> = [
    ['registry down, same version', deployed, 'v1', 'registry.example/web:v1', digest],
    ['registry answered', deployed, 'v1', `registry.example/web@sha256:${'b'.repeat(64)}`, undefined],
    ['another version asked for', deployed, 'v2', 'registry.example/web:v2', undefined],
    ['never deployed', { ...deployed, deployedVersion: null, deployedSpec: null }, 'v1', 'registry.example/web:v1', undefined],
    ['deployed by tag before', { ...deployed, deployedSpec: { rollout: { image: 'registry.example/web:v1' } } } as unknown as Service, 'v1', 'registry.example/web:v1', undefined],
    ['deployed from another image', { ...deployed, deployedSpec: { rollout: { image: `other/web@sha256:${'c'.repeat(64)}` } } } as unknown as Service, 'v1', 'registry.example/web:v1', undefined],
  ];
  for (const [name, service, version, resolved, expected] of cases) assert.equal(deployedDigestFor(service, { ...image, tag: version }, version, resolved), expected, name);
});
