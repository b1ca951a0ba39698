import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CANCELABLE_STATUSES,
  DEPLOYMENT_STATUSES,
  RUNNING_STATUSES,
  isErrorStatus,
  isInProgress,
  isTerminal,
} from '../../../src/domain/index.js';

// docs/statuses.md#deployment-status, written out by hand.
const ALL = [
  'READY',
  'QUEUED',
  'BUILDING',
  'BUILD_ERROR',
  'DEPLOYING',
  'EXECUTING',
  'DEPLOYED',
  'DEPLOYMENT_ERROR',
  'STOP_QUEUED',
  'STOPPING',
  'STOPPED',
  'STOP_ERROR',
  'RESTART_QUEUED',
  'RESTARTING',
  'RESTARTED',
  'RESTART_ERROR',
  'CANCELING',
  'CANCELED',
  'DELETE_QUEUED',
  'DELETING',
  'DELETED',
  'DELETE_ERROR',
];
// "In progress: every *QUEUED, BUILDING, DEPLOYING, EXECUTING, STOPPING, RESTARTING, CANCELING, DELETING."
const IN_PROGRESS = [
  'QUEUED',
  'STOP_QUEUED',
  'RESTART_QUEUED',
  'DELETE_QUEUED',
  'BUILDING',
  'DEPLOYING',
  'EXECUTING',
  'STOPPING',
  'RESTARTING',
  'CANCELING',
  'DELETING',
];
// "All others are terminal."
const TERMINAL = [
  'READY',
  'BUILD_ERROR',
  'DEPLOYED',
  'DEPLOYMENT_ERROR',
  'STOPPED',
  'STOP_ERROR',
  'RESTARTED',
  'RESTART_ERROR',
  'CANCELED',
  'DELETED',
  'DELETE_ERROR',
];

test('the deployment statuses are exactly the 22 documented ones', () => {
  assert.deepEqual([...DEPLOYMENT_STATUSES].sort(), [...ALL].sort());
  assert.equal(new Set(DEPLOYMENT_STATUSES).size, 22);
});

test('in-progress statuses are exactly the documented set', () => {
  const actual = DEPLOYMENT_STATUSES.filter((s) => isInProgress(s));
  assert.deepEqual([...actual].sort(), [...IN_PROGRESS].sort());
});

test('terminal statuses are exactly the others', () => {
  const actual = DEPLOYMENT_STATUSES.filter((s) => isTerminal(s));
  assert.deepEqual([...actual].sort(), [...TERMINAL].sort());
  for (const s of DEPLOYMENT_STATUSES) assert.notEqual(isTerminal(s), isInProgress(s), s);
});

test('cancelable statuses are QUEUED, BUILDING, DEPLOYING, EXECUTING', () => {
  assert.deepEqual([...CANCELABLE_STATUSES].sort(), ['BUILDING', 'DEPLOYING', 'EXECUTING', 'QUEUED']);
});

test('error statuses are the five *_ERROR statuses', () => {
  const actual = DEPLOYMENT_STATUSES.filter((s) => isErrorStatus(s));
  assert.deepEqual(
    [...actual].sort(),
    ['BUILD_ERROR', 'DELETE_ERROR', 'DEPLOYMENT_ERROR', 'RESTART_ERROR', 'STOP_ERROR'],
  );
});

test('the running statuses are the documented ones', () => {
  assert.deepEqual(
    [...RUNNING_STATUSES].sort(),
    ['COMPLETED', 'ERROR', 'RUNNING', 'STARTING', 'STOPPED', 'STOPPING', 'UNKNOWN', 'WARNING'],
  );
});
