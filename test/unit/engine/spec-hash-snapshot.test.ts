import assert from 'node:assert/strict';
import { test } from 'node:test';
import { specHashSnapshot } from '../../../src/engine/run/spec-hash-snapshot.js';
import type { EnvironmentTarget, Runtime, ServiceTarget } from '../../../src/runtime/runtime.js';

const env: EnvironmentTarget = { projectId: 'p', projectName: 'shop', environmentId: 'e', environmentName: 'prod' };
const target = (serviceId: string): ServiceTarget => ({ ...env, serviceId, serviceName: serviceId, serviceType: 'container' });

test('one bulk read serves every service; a service with no instance is null', async () => {
  let reads = 0;
  const runtime = {
    runningSpecHash: async () => assert.fail('asked per service'),
    runningSpecHashes: async () => {
      reads++;
      return new Map([['a', 'h1'], ['b', null]]);
    },
  } as unknown as Runtime;
  const hashOf = specHashSnapshot(runtime, env);
  assert.deepEqual(await Promise.all(['a', 'b', 'c'].map((id) => hashOf(target(id)))), ['h1', null, null]);
  assert.equal(await hashOf(target('a')), 'h1');
  assert.equal(reads, 1);
});

test('a failed bulk read fails that service and is tried again by the next', async () => {
  let reads = 0;
  const runtime = {
    runningSpecHash: async () => assert.fail('asked per service'),
    runningSpecHashes: async () => {
      reads++;
      if (reads === 1) throw new Error('Docker Engine unreachable');
      return new Map([['a', 'h1']]);
    },
  } as unknown as Runtime;
  const hashOf = specHashSnapshot(runtime, env);
  await assert.rejects(hashOf(target('a')), /unreachable/);
  assert.equal(await hashOf(target('a')), 'h1');
  assert.equal(reads, 2);
});

test('a runtime without the bulk read is asked per service', async () => {
  const asked: string[] = [];
  const runtime = { runningSpecHash: async (t: ServiceTarget) => (asked.push(t.serviceId), `h-${t.serviceId}`) } as unknown as Runtime;
  const hashOf = specHashSnapshot(runtime, env);
  assert.deepEqual([await hashOf(target('a')), await hashOf(target('b'))], ['h-a', 'h-b']);
  assert.deepEqual(asked, ['a', 'b']);
});
