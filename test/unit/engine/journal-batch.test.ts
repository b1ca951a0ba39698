import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '../../../src/domain/index.js';
import { JournalBatch, SETTLE_SLICE } from '../../../src/engine/run/journal-batch.js';
import type { JournalWrites, JournalWritten } from '../../../src/store/store.js';

/** A store that records each writeJournal call and answers as told. */
function recordingStore(answer: (writes: JournalWrites) => JournalWritten | Error) {
  const calls: JournalWrites[] = [];
  return {
    calls,
    async writeJournal(writes: JournalWrites): Promise<JournalWritten> {
      calls.push(writes);
      const result = answer(writes);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

test('writes asked for in the same turn share one writeJournal call; each gets its own answer', async () => {
  const store = recordingStore((w) => ({ notMoved: ['s2'], missingSteps: ['9'], stepIds: w.startSteps.map((_, i) => `id-${i}`) }));
  const batch = new JournalBatch(store);
  const results = await Promise.allSettled([
    batch.move({ deploymentId: 'd1', serviceId: 's1', from: 'QUEUED', to: 'DEPLOYING', message: null }),
    batch.move({ deploymentId: 'd2', serviceId: 's2', from: 'QUEUED', to: 'DEPLOYING', message: null }),
    batch.startStep({ deploymentId: 'd1', serviceId: 's1', name: 'DEPLOY' }),
    batch.startStep({ deploymentId: 'd2', serviceId: 's2', name: 'DEPLOY' }),
    batch.finishStep({ stepId: '8', status: 'SUCCESS' }),
    batch.finishStep({ stepId: '9', status: 'SUCCESS' }),
    batch.recordDeployed({ serviceId: 's1', state: { deployedVersion: 'v2', deployedSpecHash: 'h', deployedSpec: null } }),
  ]);
  assert.equal(store.calls.length, 1);
  assert.deepEqual(store.calls[0]!.deployedStates.map((w) => w.serviceId), ['s1']);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as DomainError).code)),
    [true, false, 'id-0', 'id-1', undefined, 'NOT_FOUND', undefined],
  );
  // The next turn is the next call.
  await batch.finishStep({ stepId: '8', status: 'SUCCESS' });
  assert.equal(store.calls.length, 2);
  await batch.settled();
});

test('a write asked for while a batch is being stored waits for it, then goes in the next', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const order: string[] = [];
  const batch = new JournalBatch({
    async writeJournal(writes) {
      order.push(`start ${writes.finishSteps.map((f) => f.stepId).join(',')}`);
      if (writes.finishSteps[0]?.stepId === '1') await gate;
      order.push(`end ${writes.finishSteps.map((f) => f.stepId).join(',')}`);
      return { notMoved: [], missingSteps: [], stepIds: [] };
    },
  });
  const first = batch.finishStep({ stepId: '1', status: 'SUCCESS' });
  await new Promise((resolve) => setImmediate(resolve));
  const second = batch.finishStep({ stepId: '2', status: 'SUCCESS' });
  const third = batch.finishStep({ stepId: '3', status: 'SUCCESS' });
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await Promise.all([first, second, third]);
  assert.deepEqual(order, ['start 1', 'end 1', 'start 2,3', 'end 2,3']);
});

test('a failed batch fails every write in it, and the next batch still runs', async () => {
  let fail = true;
  const batch = new JournalBatch(recordingStore(() => (fail ? new Error('database is locked') : { notMoved: [], missingSteps: [], stepIds: [] })));
  const a = batch.finishStep({ stepId: '1', status: 'SUCCESS' });
  const b = batch.move({ deploymentId: 'd', serviceId: 's', from: 'QUEUED', to: 'DEPLOYING', message: null });
  await assert.rejects(a, /database is locked/);
  await assert.rejects(b, /database is locked/);
  fail = false;
  assert.equal(await batch.move({ deploymentId: 'd', serviceId: 's', from: 'QUEUED', to: 'DEPLOYING', message: null }), true);
});

test('a large batch settles its writers in the order asked, SETTLE_SLICE per turn of the event loop', async () => {
  const batch = new JournalBatch(recordingStore(() => ({ notMoved: [], missingSteps: [], stepIds: [] })));
  const count = SETTLE_SLICE * 2 + 3;
  const settled: number[] = [];
  const writes = Array.from({ length: count }, (_, i) => batch.finishStep({ stepId: String(i), status: 'SUCCESS' }).then(() => settled.push(i)));
  // An observer that runs once per turn of the event loop sees how many writers each turn settled.
  const seen: number[] = [];
  let observing = true;
  const observe = (): void => {
    seen.push(settled.length);
    if (observing) setImmediate(observe);
  };
  setImmediate(observe);
  await Promise.all(writes);
  observing = false;
  assert.deepEqual(settled, Array.from({ length: count }, (_, i) => i));
  assert.ok(seen.includes(SETTLE_SLICE), `a turn ended after the first ${SETTLE_SLICE} writers: saw ${JSON.stringify(seen)}`);
  assert.ok(seen.includes(SETTLE_SLICE * 2), `and after the next ${SETTLE_SLICE}: saw ${JSON.stringify(seen)}`);
});
