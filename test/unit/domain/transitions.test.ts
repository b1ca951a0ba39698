import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEPLOYMENT_STATUSES,
  DomainError,
  assertTransition,
  canTransition,
  interruptedStatus,
  type DeploymentStatus,
} from '../../../src/domain/index.js';

/**
 * The expected state machine, written from docs/statuses.md, docs/actions.md and
 * docs/queue-and-cancel.md (not copied from the code).
 * Each entry lists every status a service may go to from `from`; every other pair of the
 * 22×22 matrix must be refused.
 */

// Terminal statuses start the next action (docs/actions.md#availability, re-checked when a
// request starts):
// - deploy-like (Deploy from READY, Redeploy from any other terminal status, Deploy other
//   version "always", an environment Redeploy "whatever its status") → QUEUED;
// - Delete ("terminal status") → DELETE_QUEUED;
// - Restart only from DEPLOYED or RESTARTED → RESTART_QUEUED;
// - Stop from "Deployment OK or an error" → STOP_QUEUED. An environment Stop may also touch
//   services already STOPPED, or left running by a failed delete (DELETE_ERROR);
//   docs/statuses.md#transitions accepts these two. A READY service has nothing to stop.
// A DELETED service is gone: no action starts from it.
const STOPPABLE: DeploymentStatus[] = [
  'DEPLOYED',
  'RESTARTED',
  'DEPLOYMENT_ERROR',
  'BUILD_ERROR',
  'RESTART_ERROR',
  'STOP_ERROR',
  'CANCELED',
];
const STOP_FROM_ENVIRONMENT_ONLY: DeploymentStatus[] = ['STOPPED', 'DELETE_ERROR'];

function nextActionsFrom(status: DeploymentStatus): DeploymentStatus[] {
  const next: DeploymentStatus[] = ['QUEUED', 'DELETE_QUEUED'];
  if (STOPPABLE.includes(status) || STOP_FROM_ENVIRONMENT_ONLY.includes(status)) next.push('STOP_QUEUED');
  if (status === 'DEPLOYED' || status === 'RESTARTED') next.push('RESTART_QUEUED');
  return next;
}

const EXPECTED: Record<DeploymentStatus, DeploymentStatus[]> = {
  // Terminal.
  READY: nextActionsFrom('READY'),
  DEPLOYED: nextActionsFrom('DEPLOYED'),
  BUILD_ERROR: nextActionsFrom('BUILD_ERROR'),
  DEPLOYMENT_ERROR: nextActionsFrom('DEPLOYMENT_ERROR'),
  STOPPED: nextActionsFrom('STOPPED'),
  STOP_ERROR: nextActionsFrom('STOP_ERROR'),
  RESTARTED: nextActionsFrom('RESTARTED'),
  RESTART_ERROR: nextActionsFrom('RESTART_ERROR'),
  CANCELED: nextActionsFrom('CANCELED'),
  DELETE_ERROR: nextActionsFrom('DELETE_ERROR'),
  DELETED: [],

  // Deploy-like path: QUEUED → (BUILDING) → DEPLOYING (jobs: → EXECUTING) → DEPLOYED, or
  // BUILD_ERROR / DEPLOYMENT_ERROR / CANCELED.
  // - QUEUED → DEPLOYED: a redeploy without changes goes straight to DEPLOYED ("no changes").
  // - QUEUED → EXECUTING, BUILDING → EXECUTING: a job's run is its deploy.
  // - BUILDING → DEPLOYED: the built image resolves to the spec already running ("no changes").
  // - QUEUED/BUILDING → DEPLOYMENT_ERROR: a failure before the rollout (resolving the image…).
  // - → CANCELING / CANCELED: Cancel while QUEUED, BUILDING, DEPLOYING or EXECUTING;
  //   services that never started end CANCELED after a first error.
  QUEUED: ['BUILDING', 'DEPLOYING', 'EXECUTING', 'DEPLOYED', 'DEPLOYMENT_ERROR', 'CANCELING', 'CANCELED'],
  BUILDING: ['DEPLOYING', 'EXECUTING', 'DEPLOYED', 'BUILD_ERROR', 'DEPLOYMENT_ERROR', 'CANCELING', 'CANCELED'],
  DEPLOYING: ['EXECUTING', 'DEPLOYED', 'DEPLOYMENT_ERROR', 'CANCELING', 'CANCELED'],
  EXECUTING: ['DEPLOYED', 'DEPLOYMENT_ERROR', 'CANCELING', 'CANCELED'],
  // Cancel: rolled back → CANCELED; a lifecycle job waited for at its safe point ends as
  // it ended (DEPLOYED or DEPLOYMENT_ERROR).
  CANCELING: ['CANCELED', 'DEPLOYED', 'DEPLOYMENT_ERROR'],

  // Stop / Restart / Delete: queued → in progress → done / error. Queued work fails or is
  // canceled (first error) before it starts; once started it cannot be canceled (Cancel
  // only applies to QUEUED, BUILDING, DEPLOYING, EXECUTING).
  STOP_QUEUED: ['STOPPING', 'STOP_ERROR', 'CANCELED'],
  STOPPING: ['STOPPED', 'STOP_ERROR'],
  RESTART_QUEUED: ['RESTARTING', 'RESTART_ERROR', 'CANCELED'],
  RESTARTING: ['RESTARTED', 'RESTART_ERROR'],
  DELETE_QUEUED: ['DELETING', 'DELETE_ERROR', 'CANCELED'],
  DELETING: ['DELETED', 'DELETE_ERROR'],
};

test('the expected table covers exactly the 22 statuses', () => {
  assert.equal(DEPLOYMENT_STATUSES.length, 22);
  assert.deepEqual(Object.keys(EXPECTED).sort(), [...DEPLOYMENT_STATUSES].sort());
});

test('every documented transition is allowed', () => {
  for (const from of DEPLOYMENT_STATUSES) {
    for (const to of EXPECTED[from]) {
      assert.equal(canTransition(from, to), true, `${from} → ${to} should be allowed`);
      assert.doesNotThrow(() => assertTransition(from, to), `${from} → ${to} should not throw`);
    }
  }
});

test('every pair of the 22×22 matrix not documented is refused with ILLEGAL_TRANSITION', () => {
  let refused = 0;
  for (const from of DEPLOYMENT_STATUSES) {
    for (const to of DEPLOYMENT_STATUSES) {
      if (EXPECTED[from].includes(to)) continue;
      refused++;
      assert.equal(canTransition(from, to), false, `${from} → ${to} should be refused`);
      assert.throws(
        () => assertTransition(from, to),
        (err: unknown) => err instanceof DomainError && err.code === 'ILLEGAL_TRANSITION' && err.message.length > 0,
        `${from} → ${to} should throw DomainError ILLEGAL_TRANSITION`,
      );
    }
  }
  // Guard against an EXPECTED table that allows nearly everything.
  assert.ok(refused > 22 * 22 - 100, `only ${refused} pairs refused`);
});

test('no status may go to itself', () => {
  for (const s of DEPLOYMENT_STATUSES) assert.equal(canTransition(s, s), false, `${s} → ${s}`);
});

test('a terminal status enters an action only through its queued status', () => {
  const queued: DeploymentStatus[] = ['QUEUED', 'STOP_QUEUED', 'RESTART_QUEUED', 'DELETE_QUEUED'];
  const inProgressTargets: DeploymentStatus[] = [
    'BUILDING',
    'DEPLOYING',
    'EXECUTING',
    'STOPPING',
    'RESTARTING',
    'DELETING',
    'CANCELING',
  ];
  for (const from of DEPLOYMENT_STATUSES) {
    const terminal = !queued.includes(from) && !inProgressTargets.includes(from);
    if (!terminal) continue;
    for (const to of inProgressTargets) assert.equal(canTransition(from, to), false, `${from} → ${to}`);
  }
});

const EXPECTED_INTERRUPTED: Record<DeploymentStatus, DeploymentStatus | null> = {
  // Work that never started is CANCELED; work caught running ends in its action's error status.
  QUEUED: 'CANCELED',
  STOP_QUEUED: 'CANCELED',
  RESTART_QUEUED: 'CANCELED',
  DELETE_QUEUED: 'CANCELED',
  CANCELING: 'CANCELED',
  BUILDING: 'BUILD_ERROR',
  DEPLOYING: 'DEPLOYMENT_ERROR',
  EXECUTING: 'DEPLOYMENT_ERROR',
  STOPPING: 'STOP_ERROR',
  RESTARTING: 'RESTART_ERROR',
  DELETING: 'DELETE_ERROR',
  // Terminal statuses are not interrupted.
  READY: null,
  DEPLOYED: null,
  BUILD_ERROR: null,
  DEPLOYMENT_ERROR: null,
  STOPPED: null,
  STOP_ERROR: null,
  RESTARTED: null,
  RESTART_ERROR: null,
  CANCELED: null,
  DELETED: null,
  DELETE_ERROR: null,
};

test('interruptedStatus ends each in-progress status as documented, and leaves terminal ones alone', () => {
  for (const s of DEPLOYMENT_STATUSES) {
    assert.equal(interruptedStatus(s), EXPECTED_INTERRUPTED[s], `interruptedStatus(${s})`);
  }
});

test('interruptedStatus only ever takes an allowed transition', () => {
  for (const s of DEPLOYMENT_STATUSES) {
    const to = interruptedStatus(s);
    if (to !== null) assert.equal(canTransition(s, to), true, `${s} → ${to}`);
  }
});
