import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../../../src/runtime/kubernetes/cluster.js';
import { waitForRollout } from '../../../src/runtime/kubernetes/wait-rollout.js';

/** A Deployment of 3 replicas, `updated` of them on the new template and available. */
function deployment(updated: number, resourceVersion: string): V1Deployment {
  return {
    metadata: { name: 's-web', namespace: 'ns', generation: 2, resourceVersion },
    spec: { replicas: 3 } as V1Deployment['spec'],
    status: { observedGeneration: 2, replicas: 3, updatedReplicas: updated, availableReplicas: 3 },
  };
}

type WatchEvent = [type: string, object: V1Deployment];

/**
 * A cluster whose reads answer from `reads` in turn and whose watches deliver one script of
 * events each (a watch past the scripts ends at once, as one the server closes).
 */
function scriptedCluster(reads: Array<V1Deployment | null>, watches: WatchEvent[][]) {
  const calls = { reads: 0, watches: [] as Array<string | number | boolean | undefined> };
  const cluster: Pick<Cluster, 'read' | 'watchUntil'> = {
    read: async <T,>() => {
      calls.reads++;
      return (reads.shift() ?? null) as T | null;
    },
    watchUntil: async <T, R>(_path: string, query: Record<string, string | number | boolean | undefined>, _signal: AbortSignal | undefined, _maxWaitMs: number, decide: (type: string, object: T) => R | undefined) => {
      calls.watches.push(query.resourceVersion);
      for (const [type, object] of watches.shift() ?? []) {
        const decided = decide(type, object as T);
        if (decided !== undefined) return decided;
      }
      return undefined;
    },
  };
  return { cluster, calls };
}

const wait = (cluster: Pick<Cluster, 'read' | 'watchUntil'>, progress: string[] = [], deadlineMs = 60_000) =>
  waitForRollout(cluster, 'Deployment', 'ns', 's-web', { deadlineMs, onProgress: (m) => progress.push(m) });

test('a rollout is judged from the objects one watch delivers: one read, one watch, each new progress message once', async () => {
  const { cluster, calls } = scriptedCluster(
    [deployment(0, '10')],
    [
      [
        ['MODIFIED', deployment(1, '11')],
        ['MODIFIED', deployment(1, '12')],
        ['BOOKMARK', deployment(3, '13')],
        ['MODIFIED', deployment(2, '14')],
        ['MODIFIED', deployment(3, '15')],
      ],
    ],
  );
  const progress: string[] = [];
  const outcome = await wait(cluster, progress);
  assert.equal(outcome.state, 'done');
  assert.equal(outcome.state === 'done' && outcome.workload.metadata?.resourceVersion, '15', 'done with the object of the last event');
  assert.equal(calls.reads, 1, 'read once, before the watch');
  assert.deepEqual(calls.watches, ['10'], 'one watch, from the version read');
  assert.deepEqual(progress, ['0 of 3 new replicas have been updated', '1 of 3 new replicas have been updated', '2 of 3 new replicas have been updated']);
});

test('a watch that ends before the rollout is done is followed by a read, then a watch from that version', async () => {
  const { cluster, calls } = scriptedCluster([deployment(0, '10'), deployment(2, '20')], [[['MODIFIED', deployment(1, '11')]], [['MODIFIED', deployment(3, '21')]]]);
  assert.equal((await wait(cluster)).state, 'done');
  assert.equal(calls.reads, 2);
  assert.deepEqual(calls.watches, ['10', '20']);
});

test('the workload deleted during the wait fails it, and so does one missing from the start', async () => {
  const deleted = scriptedCluster([deployment(0, '10')], [[['DELETED', deployment(0, '11')]]]);
  assert.deepEqual(await wait(deleted.cluster), { state: 'failed', message: 'Deployment ns/s-web no longer exists' });
  assert.equal(deleted.calls.reads, 1, 'the DELETED event says it: no read after it');
  const missing = scriptedCluster([null], []);
  assert.deepEqual(await wait(missing.cluster), { state: 'failed', message: 'Deployment ns/s-web no longer exists' });
  assert.equal(missing.calls.watches.length, 0);
});

test('a rollout still progressing at the deadline times out with its last progress message', async () => {
  const { cluster } = scriptedCluster([deployment(1, '10')], []);
  assert.deepEqual(await wait(cluster, [], 0), { state: 'timeout', message: 'not rolled out in time: 1 of 3 new replicas have been updated' });
});

test('an abort during the watch ends the wait as aborted, without reading again', async () => {
  const controller = new AbortController();
  const { cluster, calls } = scriptedCluster([deployment(0, '10')], []);
  const watching: Pick<Cluster, 'read' | 'watchUntil'> = {
    read: cluster.read,
    watchUntil: async () => {
      controller.abort();
      return undefined;
    },
  };
  assert.deepEqual(await waitForRollout(watching, 'Deployment', 'ns', 's-web', { deadlineMs: 60_000, signal: controller.signal }), { state: 'aborted' });
  assert.equal(calls.reads, 1);
});
