import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError, type DeploymentStatus, type Service } from '../../../src/domain/index.js';
import { EventBus } from '../../../src/engine/events.js';
import { DeploymentJournal, type JournalStore } from '../../../src/engine/run/deployment-journal.js';
import { JournalBatch } from '../../../src/engine/run/journal-batch.js';
import type { RunningStates } from '../../../src/engine/running-states.js';
import type { Deployment, JournalWrites, JournalWritten } from '../../../src/store/store.js';

/**
 * A request's first writes (DeploymentJournal.queueAll): its services' move to their queued
 * status and their QUEUEING steps go through the journal's batch, so deployments that start
 * together share one writeJournal call.
 */

function journalStore(notMoved: readonly string[] = []) {
  const batches: JournalWrites[] = [];
  const checked: string[] = [];
  const store = {
    async writeJournal(writes: JournalWrites): Promise<JournalWritten> {
      batches.push(writes);
      return { notMoved: [...notMoved], missingSteps: [], stepIds: writes.startSteps.map((s) => `step-${s.serviceId}`) };
    },
    async setServiceStatus(id: string, status: DeploymentStatus) {
      checked.push(`${id}:${status}`);
    },
    async setDeploymentServiceStatus(deploymentId: string, serviceId: string, status: DeploymentStatus) {
      checked.push(`${deploymentId}/${serviceId}:${status}`);
    },
  };
  // Only what queueAll touches: the rest of the store is never called here.
  return { store: store as unknown as JournalStore & typeof store, batches, checked };
}

const runningStates = { get: () => ({ status: 'UNKNOWN' }) } as unknown as RunningStates;

function journal(store: JournalStore, batch: JournalBatch, deploymentId: string, services: Array<Pick<Service, 'id' | 'status'>>): DeploymentJournal {
  const deployment = { id: deploymentId, environmentId: `env-of-${deploymentId}` } as Deployment;
  return new DeploymentJournal(store, batch, new EventBus(), runningStates, deployment, 'project', [], services as Service[], () => undefined);
}

test('two deployments queued in the same turn write their moves and QUEUEING steps in one batch', async () => {
  const { store, batches, checked } = journalStore();
  const batch = new JournalBatch(store);
  const one = journal(store, batch, 'd1', [{ id: 'a', status: 'DEPLOYED' }, { id: 'b', status: 'STOPPED' }]);
  const two = journal(store, batch, 'd2', [{ id: 'c', status: 'DEPLOYED' }]);

  const [stepsOne, stepsTwo] = await Promise.all([one.queueAll(['a', 'b'], 'QUEUED'), two.queueAll(['c'], 'QUEUED')]);

  assert.equal(batches.length, 1, 'one writeJournal call for both deployments');
  assert.deepEqual(
    batches[0]!.moves.map((m) => `${m.deploymentId}/${m.serviceId}:${m.from}->${m.to}`),
    ['d1/a:DEPLOYED->QUEUED', 'd1/b:STOPPED->QUEUED', 'd2/c:DEPLOYED->QUEUED'],
  );
  assert.deepEqual(
    batches[0]!.startSteps.map((s) => `${s.deploymentId}/${s.serviceId}:${s.name}`),
    ['d1/a:QUEUEING', 'd1/b:QUEUEING', 'd2/c:QUEUEING'],
  );
  assert.deepEqual([...stepsOne.keys()], ['a', 'b']);
  assert.deepEqual([...stepsTwo.keys()], ['c']);
  assert.deepEqual(checked, [], 'every move landed in the batch');
});

test('a service another writer moved meanwhile takes the checked path, in the store and the deployment record', async () => {
  const { store, checked } = journalStore(['b']);
  const batch = new JournalBatch(store);
  await journal(store, batch, 'd1', [{ id: 'a', status: 'DEPLOYED' }, { id: 'b', status: 'DEPLOYED' }]).queueAll(['a', 'b'], 'QUEUED');
  assert.deepEqual(checked, ['b:QUEUED', 'd1/b:QUEUED']);
});

test('a move the transition table forbids is refused before it reaches the shared batch', async () => {
  const { store, batches } = journalStore();
  const batch = new JournalBatch(store);
  const other = batch.move({ deploymentId: 'd2', serviceId: 'c', from: 'DEPLOYED', to: 'QUEUED', message: null });
  // DEPLOYING to QUEUED is not a transition of the state machine.
  await assert.rejects(journal(store, batch, 'd1', [{ id: 'a', status: 'DEPLOYING' }]).queueAll(['a'], 'QUEUED'), (e: unknown) => e instanceof DomainError && e.code === 'ILLEGAL_TRANSITION');
  assert.equal(await other, true, "the other deployment's write still lands");
  assert.deepEqual(batches.flatMap((b) => b.moves.map((m) => m.serviceId)), ['c']);
});
