import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEPLOYMENT_STATUSES,
  RUNNING_STATUSES,
  environmentRunningStatus,
  environmentStatus,
  type DeploymentStatus,
  type RunningStatus,
} from '../../../src/domain/index.js';

type S = DeploymentStatus;

/**
 * The table of docs/environment-status.md#deployment-status, one entry per row: mixes for which
 * that row is the first to match (each also holds statuses that later rules would react to), and a
 * mix where an earlier row wins.
 */
interface Row {
  row: number;
  cases: Array<{ services: S[]; expected: S }>;
  beaten?: { services: S[]; expected: S };
}

const ROWS: Row[] = [
  {
    row: 1,
    cases: [{ services: ['CANCELING', 'DEPLOYING', 'BUILDING', 'QUEUED', 'BUILD_ERROR', 'DEPLOYED'], expected: 'CANCELING' }],
  },
  {
    row: 2,
    cases: [
      { services: ['DEPLOYED', 'DEPLOYING', 'BUILDING', 'QUEUED'], expected: 'DEPLOYING' },
      { services: ['EXECUTING', 'BUILDING', 'STOPPING', 'DEPLOYMENT_ERROR'], expected: 'DEPLOYING' },
    ],
    beaten: { services: ['DEPLOYING', 'EXECUTING', 'CANCELING'], expected: 'CANCELING' },
  },
  {
    row: 3,
    cases: [{ services: ['QUEUED', 'BUILDING', 'STOPPING', 'BUILD_ERROR'], expected: 'BUILDING' }],
    beaten: { services: ['BUILDING', 'EXECUTING'], expected: 'DEPLOYING' },
  },
  {
    row: 4,
    cases: [{ services: ['QUEUED', 'STOPPING', 'DELETE_QUEUED', 'DEPLOYED'], expected: 'QUEUED' }],
    beaten: { services: ['QUEUED', 'BUILDING'], expected: 'BUILDING' },
  },
  {
    row: 5,
    cases: [
      { services: ['DELETING', 'RESTARTING', 'STOPPING', 'STOP_QUEUED'], expected: 'STOPPING' },
      { services: ['DELETING', 'RESTARTING', 'RESTART_QUEUED'], expected: 'RESTARTING' },
      { services: ['DELETING', 'DELETE_QUEUED', 'DELETED', 'DEPLOYMENT_ERROR'], expected: 'DELETING' },
    ],
    beaten: { services: ['STOPPING', 'RESTARTING', 'QUEUED'], expected: 'QUEUED' },
  },
  {
    row: 6,
    cases: [
      { services: ['DELETE_QUEUED', 'RESTART_QUEUED', 'STOP_QUEUED', 'BUILD_ERROR'], expected: 'STOP_QUEUED' },
      { services: ['DELETE_QUEUED', 'RESTART_QUEUED', 'RESTART_ERROR'], expected: 'RESTART_QUEUED' },
      { services: ['DELETE_QUEUED', 'DELETE_ERROR', 'DEPLOYED'], expected: 'DELETE_QUEUED' },
    ],
    beaten: { services: ['STOP_QUEUED', 'DELETING'], expected: 'DELETING' },
  },
  {
    row: 7,
    cases: [
      { services: ['DEPLOYED', 'BUILD_ERROR', 'STOP_ERROR', 'CANCELED'], expected: 'DEPLOYMENT_ERROR' },
      { services: ['DEPLOYMENT_ERROR', 'DEPLOYED', 'RESTARTED'], expected: 'DEPLOYMENT_ERROR' },
    ],
    beaten: { services: ['DEPLOYMENT_ERROR', 'RESTART_QUEUED'], expected: 'RESTART_QUEUED' },
  },
  {
    row: 8,
    cases: [
      { services: ['DELETE_ERROR', 'RESTART_ERROR', 'STOP_ERROR', 'CANCELED'], expected: 'STOP_ERROR' },
      { services: ['DELETE_ERROR', 'RESTART_ERROR', 'DEPLOYED'], expected: 'RESTART_ERROR' },
      { services: ['DELETE_ERROR', 'DELETED', 'STOPPED'], expected: 'DELETE_ERROR' },
    ],
    beaten: { services: ['STOP_ERROR', 'BUILD_ERROR'], expected: 'DEPLOYMENT_ERROR' },
  },
  {
    row: 9,
    cases: [{ services: ['DEPLOYED', 'CANCELED', 'STOPPED', 'READY'], expected: 'CANCELED' }],
    beaten: { services: ['CANCELED', 'DELETE_ERROR'], expected: 'DELETE_ERROR' },
  },
  {
    row: 10,
    cases: [
      { services: ['STOPPED', 'DEPLOYED', 'READY', 'DELETED'], expected: 'DEPLOYED' },
      { services: ['RESTARTED', 'STOPPED'], expected: 'DEPLOYED' },
      { services: ['RESTARTED'], expected: 'DEPLOYED' },
    ],
    beaten: { services: ['DEPLOYED', 'CANCELED'], expected: 'CANCELED' },
  },
  {
    row: 11,
    cases: [{ services: ['READY', 'STOPPED', 'DELETED'], expected: 'STOPPED' }],
    beaten: { services: ['STOPPED', 'RESTARTED'], expected: 'DEPLOYED' },
  },
  {
    row: 12,
    cases: [
      { services: ['DELETED'], expected: 'DELETED' },
      { services: ['DELETED', 'DELETED', 'DELETED'], expected: 'DELETED' },
    ],
    beaten: { services: ['DELETED', 'STOPPED'], expected: 'STOPPED' },
  },
  {
    row: 13,
    cases: [
      { services: [], expected: 'READY' },
      { services: ['READY'], expected: 'READY' },
      { services: ['READY', 'DELETED'], expected: 'READY' },
    ],
    beaten: { services: ['READY', 'CANCELED'], expected: 'CANCELED' },
  },
];

for (const { row, cases, beaten } of ROWS) {
  test(`row ${row}: ${[...new Set(cases.map((c) => c.expected))].join(' / ')}`, () => {
    for (const { services, expected } of cases) {
      assert.equal(environmentStatus(services), expected, `[${services.join(', ')}]`);
    }
  });
  if (beaten) {
    test(`row ${row}: an earlier rule wins over it (${beaten.expected})`, () => {
      assert.equal(environmentStatus(beaten.services), beaten.expected, `[${beaten.services.join(', ')}]`);
    });
  }
}

/**
 * The table of docs/environment-status.md#deployment-status, transcribed rule by rule, for the
 * property tests.
 */
function reference(services: readonly S[]): S {
  const any = (...statuses: S[]) => services.some((s) => statuses.includes(s));
  if (any('CANCELING')) return 'CANCELING';
  if (any('DEPLOYING', 'EXECUTING')) return 'DEPLOYING';
  if (any('BUILDING')) return 'BUILDING';
  if (any('QUEUED')) return 'QUEUED';
  if (any('STOPPING')) return 'STOPPING';
  if (any('RESTARTING')) return 'RESTARTING';
  if (any('DELETING')) return 'DELETING';
  if (any('STOP_QUEUED')) return 'STOP_QUEUED';
  if (any('RESTART_QUEUED')) return 'RESTART_QUEUED';
  if (any('DELETE_QUEUED')) return 'DELETE_QUEUED';
  if (any('BUILD_ERROR', 'DEPLOYMENT_ERROR')) return 'DEPLOYMENT_ERROR';
  if (any('STOP_ERROR')) return 'STOP_ERROR';
  if (any('RESTART_ERROR')) return 'RESTART_ERROR';
  if (any('DELETE_ERROR')) return 'DELETE_ERROR';
  if (any('CANCELED')) return 'CANCELED';
  if (any('DEPLOYED', 'RESTARTED')) return 'DEPLOYED';
  if (any('STOPPED')) return 'STOPPED';
  if (services.length > 0 && services.every((s) => s === 'DELETED')) return 'DELETED';
  return 'READY';
}

/**
 * Arrays of statuses. Drawn from all 22 statuses almost every array holds an in-progress one,
 * so half of the arrays draw from a random subset instead, which reaches the later rules.
 */
const statusArrays: fc.Arbitrary<S[]> = fc.oneof(
  fc.array(fc.constantFrom(...DEPLOYMENT_STATUSES), { maxLength: 12 }),
  fc
    .subarray([...DEPLOYMENT_STATUSES], { minLength: 1, maxLength: 4 })
    .chain((subset) => fc.array(fc.constantFrom(...subset), { maxLength: 12 })),
);
const RUNS = { numRuns: 1000 };
const ERRORS: S[] = ['BUILD_ERROR', 'DEPLOYMENT_ERROR', 'STOP_ERROR', 'RESTART_ERROR', 'DELETE_ERROR'];

test('property: a BUILD_ERROR or DEPLOYMENT_ERROR service means the environment is never DEPLOYED', () => {
  fc.assert(
    fc.property(statusArrays, fc.constantFrom<S>('BUILD_ERROR', 'DEPLOYMENT_ERROR'), fc.nat(), (rest, failed, at) => {
      const services = [...rest];
      services.splice(at % (services.length + 1), 0, failed);
      assert.notEqual(environmentStatus(services), 'DEPLOYED');
    }),
    RUNS,
  );
});

test('property: DEPLOYED implies a DEPLOYED or RESTARTED service and none in an error status', () => {
  fc.assert(
    fc.property(statusArrays, (services) => {
      if (environmentStatus(services) !== 'DEPLOYED') return;
      assert.ok(services.some((s) => s === 'DEPLOYED' || s === 'RESTARTED'));
      assert.ok(!services.some((s) => ERRORS.includes(s)));
    }),
    RUNS,
  );
  // The property is not vacuous: the generator does reach DEPLOYED (fixed seed: deterministic).
  const samples = fc.sample(statusArrays, { numRuns: 1000, seed: 42 });
  assert.ok(samples.filter((services) => environmentStatus(services) === 'DEPLOYED').length >= 10);
});

test('property: the result equals the table transcribed rule by rule', () => {
  fc.assert(
    fc.property(statusArrays, (services) => {
      assert.equal(environmentStatus(services), reference(services));
    }),
    RUNS,
  );
});

test('property: the result does not depend on the order of services', () => {
  fc.assert(
    fc.property(
      statusArrays.chain((services) => fc.tuple(fc.constant(services), fc.shuffledSubarray(services, { minLength: services.length, maxLength: services.length }))),
      ([services, shuffled]) => {
        assert.equal(environmentStatus(shuffled), environmentStatus(services));
      },
    ),
    RUNS,
  );
});

test('an empty environment is READY', () => {
  assert.equal(environmentStatus([]), 'READY');
});

// ---- Running status (docs/environment-status.md#running-status) ----------------------------

type R = RunningStatus;

test('running status: ERROR only when every service is in ERROR', () => {
  assert.equal(environmentRunningStatus(['ERROR']), 'ERROR');
  assert.equal(environmentRunningStatus(['ERROR', 'ERROR', 'ERROR']), 'ERROR');
  assert.equal(environmentRunningStatus(['ERROR', 'ERROR', 'RUNNING']), 'WARNING');
});

test('running status: WARNING when some services are in ERROR or WARNING', () => {
  assert.equal(environmentRunningStatus(['RUNNING', 'RUNNING', 'ERROR']), 'WARNING');
  assert.equal(environmentRunningStatus(['RUNNING', 'RUNNING', 'WARNING']), 'WARNING');
  assert.equal(environmentRunningStatus(['WARNING']), 'WARNING');
  assert.equal(environmentRunningStatus(['STOPPED', 'STOPPED', 'STOPPED', 'WARNING']), 'WARNING');
});

test('running status: otherwise the most common of the rest', () => {
  assert.equal(environmentRunningStatus(['RUNNING']), 'RUNNING');
  assert.equal(environmentRunningStatus(['RUNNING', 'RUNNING', 'STOPPED']), 'RUNNING');
  assert.equal(environmentRunningStatus(['RUNNING', 'STOPPED', 'STOPPED']), 'STOPPED');
  assert.equal(environmentRunningStatus(['STARTING', 'UNKNOWN', 'UNKNOWN', 'RUNNING']), 'UNKNOWN');
  assert.equal(environmentRunningStatus(['COMPLETED', 'COMPLETED', 'RUNNING', 'STOPPING']), 'COMPLETED');
});

test('running status: an environment with no services is STOPPED (nothing runs)', () => {
  // docs/environment-status.md#running-status puts this case first: "every service in ERROR" is
  // vacuously true, but calling an empty environment ERROR would be an alarm with no cause.
  assert.equal(environmentRunningStatus([]), 'STOPPED');
});

const runningArrays = fc.array(fc.constantFrom(...RUNNING_STATUSES), { minLength: 1, maxLength: 10 });

test('property: running status follows its rules and does not depend on order', () => {
  fc.assert(
    fc.property(
      runningArrays.chain((services) => fc.tuple(fc.constant(services), fc.shuffledSubarray(services, { minLength: services.length, maxLength: services.length }))),
      ([services, shuffled]) => {
        const result = environmentRunningStatus(services);
        assert.equal(environmentRunningStatus(shuffled), result, 'order independent');
        if (services.every((s) => s === 'ERROR')) {
          assert.equal(result, 'ERROR');
        } else if (services.some((s) => s === 'ERROR' || s === 'WARNING')) {
          assert.equal(result, 'WARNING');
        } else {
          const count = (r: R) => services.filter((s) => s === r).length;
          const max = Math.max(...services.map(count));
          assert.equal(count(result), max, `${result} is not among the most common of [${services.join(', ')}]`);
        }
      },
    ),
    RUNS,
  );
});
