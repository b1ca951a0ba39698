import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { requestKey, type QueuedAction, type RequestedAction } from '../../../src/domain/index.js';

const base: RequestedAction = {
  action: 'DEPLOY_VERSION',
  level: 'service',
  serviceIds: ['svc-a', 'svc-b', 'svc-c'],
  versions: { 'svc-a': 'a1b2c3d', 'svc-b': 'v1.2.3' },
};

test('the same action, services and versions give the same key whatever their order', () => {
  const same: RequestedAction = {
    action: 'DEPLOY_VERSION',
    level: 'service',
    serviceIds: ['svc-c', 'svc-a', 'svc-b'],
    versions: { 'svc-b': 'v1.2.3', 'svc-a': 'a1b2c3d' },
  };
  assert.equal(requestKey(same), requestKey(base));
  assert.equal(requestKey({ ...base, keepData: false }), requestKey(base), 'keepData false is the default');
});

const DIFFERENT: Record<string, RequestedAction> = {
  'another action': { ...base, action: 'REDEPLOY' },
  'another level': { ...base, level: 'environment' },
  'a service fewer': { ...base, serviceIds: ['svc-a', 'svc-b'] },
  'a service more': { ...base, serviceIds: [...base.serviceIds, 'svc-d'] },
  'another service': { ...base, serviceIds: ['svc-a', 'svc-b', 'svc-d'] },
  'another version': { ...base, versions: { 'svc-a': 'a1b2c3e', 'svc-b': 'v1.2.3' } },
  'a version for another service': { ...base, versions: { 'svc-a': 'a1b2c3d', 'svc-c': 'v1.2.3' } },
  'a version fewer': { ...base, versions: { 'svc-a': 'a1b2c3d' } },
  'versions swapped between services': { ...base, versions: { 'svc-a': 'v1.2.3', 'svc-b': 'a1b2c3d' } },
  'keepData': { ...base, action: 'DELETE', keepData: true },
};

for (const [name, other] of Object.entries(DIFFERENT)) {
  test(`${name} gives a different key`, () => {
    if (name === 'keepData') {
      assert.notEqual(requestKey(other), requestKey({ ...other, keepData: false }));
    } else {
      assert.notEqual(requestKey(other), requestKey(base));
    }
  });
}

// ---- Properties ----------------------------------------------------------------------------

const ACTIONS: QueuedAction[] = ['DEPLOY', 'REDEPLOY', 'STOP', 'RESTART', 'DEPLOY_VERSION', 'DEPLOY_LATEST', 'DELETE'];
// Ids as the store makes them and versions as
// docs/actions.md#the-version-deployed-is-the-version-shown allows (hex SHAs or image tags).
const serviceId = fc.constantFrom('svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5');
const version = fc.oneof(fc.stringMatching(/^[0-9a-f]{7,12}$/), fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}$/));

const request: fc.Arbitrary<RequestedAction> = fc
  .record({
    action: fc.constantFrom(...ACTIONS),
    level: fc.constantFrom('service' as const, 'environment' as const),
    serviceIds: fc.uniqueArray(serviceId, { maxLength: 5 }),
    versions: fc.array(fc.tuple(serviceId, version), { maxLength: 3 }),
    keepData: fc.boolean(),
  })
  .map((r) => ({ ...r, versions: Object.fromEntries(r.versions) }));

/** What makes two requests the same one: sets and maps, not the order they were written in. */
function meaning(r: RequestedAction): unknown {
  return {
    action: r.action,
    level: r.level,
    serviceIds: [...r.serviceIds].sort(),
    versions: Object.entries(r.versions).sort(([a], [b]) => (a < b ? -1 : 1)),
    keepData: r.keepData === true,
  };
}

test('property: reordering services and versions never changes the key', () => {
  fc.assert(
    fc.property(
      request.chain((r) =>
        fc.tuple(
          fc.constant(r),
          fc.shuffledSubarray(r.serviceIds, { minLength: r.serviceIds.length, maxLength: r.serviceIds.length }),
          fc.shuffledSubarray(Object.entries(r.versions), {
            minLength: Object.keys(r.versions).length,
            maxLength: Object.keys(r.versions).length,
          }),
        ),
      ),
      ([r, ids, versions]) => {
        assert.equal(requestKey({ ...r, serviceIds: ids, versions: Object.fromEntries(versions) }), requestKey(r));
      },
    ),
    { numRuns: 300 },
  );
});

/** Requests from small pools, so that two draws often ask for the same thing. */
const nearRequest: fc.Arbitrary<RequestedAction> = fc
  .record({
    action: fc.constantFrom<QueuedAction>('DEPLOY_VERSION', 'DELETE'),
    level: fc.constantFrom('service' as const, 'environment' as const),
    serviceIds: fc.uniqueArray(fc.constantFrom('svc-1', 'svc-2'), { maxLength: 2 }),
    versions: fc.array(fc.tuple(fc.constantFrom('svc-1', 'svc-2'), fc.constantFrom('a1b2c3d', 'v1')), { maxLength: 2 }),
    keepData: fc.boolean(),
  })
  .map((r) => ({ ...r, versions: Object.fromEntries(r.versions) }));

test('property: two requests have the same key exactly when they ask for the same thing', () => {
  fc.assert(
    fc.property(fc.oneof(request, nearRequest), fc.oneof(request, nearRequest), (a, b) => {
      assert.equal(requestKey(a) === requestKey(b), isDeepStrictEqual(meaning(a), meaning(b)));
    }),
    { numRuns: 1000 },
  );
  // Not vacuous: equal requests do get drawn (fixed seed: deterministic).
  const pairs = fc.sample(fc.tuple(nearRequest, nearRequest), { numRuns: 1000, seed: 7 });
  assert.ok(pairs.filter(([a, b]) => isDeepStrictEqual(meaning(a), meaning(b))).length >= 5);
});
