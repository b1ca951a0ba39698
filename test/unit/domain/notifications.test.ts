import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baselineSince, crashedInstances, deploymentEvent, nextTryDelayMs, type InstanceState, type RunningState } from '../../../src/domain/index.js';

const instance = (over: Partial<InstanceState>): InstanceState => ({ id: 'a', version: 'v1', ready: true, restarts: 0, lastExitCode: null, startedAt: '2024-01-01T00:00:00Z', ...over });
const state = (...instances: InstanceState[]): RunningState => ({ status: 'RUNNING', instances });

test('backoff: 5 tries, each retry waiting twice the one before (40 s … 320 s, 10 minutes in all)', () => {
  const delays = [1, 2, 3, 4, 5].map((n) => nextTryDelayMs(n, 40_000));
  assert.deepEqual(delays, [40_000, 80_000, 160_000, 320_000, null]);
  assert.equal(delays.reduce<number>((a, b) => a + (b ?? 0), 0), 600_000);
});

test('a deployment end is an event, a skip is none', () => {
  assert.equal(deploymentEvent('SUCCESS'), 'deployment.succeeded');
  assert.equal(deploymentEvent('ERROR'), 'deployment.failed');
  assert.equal(deploymentEvent('CANCELED'), 'deployment.canceled');
  assert.equal(deploymentEvent('SKIPPED'), null);
  assert.equal(deploymentEvent('RUNNING'), null);
});

test('crashes: more restarts, or running then exited; the exit and the restart after it are one crash', () => {
  const before = state(instance({}));
  const exited = state(instance({ ready: false, startedAt: null, lastExitCode: 137, lastExitReason: 'Error' }));
  const restarted = state(instance({ restarts: 1, lastExitCode: 137, startedAt: '2024-01-01T00:01:00Z' }));
  assert.deepEqual(crashedInstances(before, exited).map((c) => c.crashNumber), [1]);
  assert.deepEqual(crashedInstances(exited, restarted).map((c) => c.crashNumber), [1]);
  assert.deepEqual(crashedInstances(before, restarted).map((c) => c.crashNumber), [1]);
  assert.deepEqual(crashedInstances(restarted, restarted), [], 'no change, no crash');
  assert.deepEqual(crashedInstances(before, state(instance({ ready: false }))), [], 'not ready is not a crash');
  assert.deepEqual(crashedInstances(before, state(instance({ id: 'b' }))), [], 'a replaced instance is a rollout');
  assert.deepEqual(crashedInstances(before, state()), [], 'gone: a stop');
});

test('first seen after watching began: a restart since then is a crash, one from before is not', () => {
  const since = '2024-01-01T00:00:30Z';
  const later = state(instance({ id: 'a', restarts: 1, startedAt: '2024-01-01T00:01:00Z' }), instance({ id: 'b', restarts: 3, startedAt: '2024-01-01T00:00:00Z' }), instance({ id: 'c', restarts: 0, startedAt: '2024-01-01T00:01:00Z' }));
  assert.deepEqual(crashedInstances(baselineSince(later, since)!, later).map((c) => [c.instance.id, c.crashNumber]), [['a', 1]]);
  const exited = state(instance({ id: 'a', restarts: 1, startedAt: null, lastExitCode: 1 }));
  assert.equal(baselineSince(exited, since), null, 'not running now: its start time says nothing');
  assert.equal(baselineSince({ status: 'UNKNOWN', instances: [] }, since), null, 'the runtime did not answer');
});

test('a first sight while the instance is being restarted is no baseline: the state after it is, and the restart is a crash', () => {
  const since = '2024-01-01T00:00:30Z';
  // Seen first between the kill and Docker's restart, then running again after it.
  const restarting = state(instance({ id: 'a', restarts: 1, startedAt: null, lastExitCode: 137 }));
  const restarted = state(instance({ id: 'a', restarts: 1, startedAt: '2024-01-01T00:01:00Z', lastExitCode: 137 }));
  assert.equal(baselineSince(restarting, since), null);
  assert.deepEqual(crashedInstances(baselineSince(restarted, since)!, restarted).map((c) => [c.instance.id, c.crashNumber]), [['a', 1]]);
  // Had the restarting state been taken as the baseline, the crash would be lost.
  assert.deepEqual(crashedInstances(restarting, restarted), []);
});
