import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeOnEachBackend } from './store-backends.js';

/** Sampled metrics (migration 0006): recorded, read by service and window, pruned by age. */

describeOnEachBackend('service metrics', (s) => {
  it('records points, reads one service\'s from a time on (oldest first), prunes the old ones', async () => {
    await s.store.recordMetricPoints([
      { serviceId: 'a', ts: '2024-05-01T10:00:00.000Z', cpuPercent: 12.5, memoryBytes: 3 * 1024 ** 3 },
      { serviceId: 'a', ts: '2024-05-01T10:00:15.000Z', cpuPercent: 0, memoryBytes: 1024 },
      { serviceId: 'b', ts: '2024-05-01T10:00:15.000Z', cpuPercent: 99, memoryBytes: 1 },
      { serviceId: 'a', ts: '2024-05-01T09:00:00.000Z', cpuPercent: 1, memoryBytes: 1 },
    ]);
    assert.deepEqual(await s.store.readMetricPoints('a', '2024-05-01T09:30:00.000Z'), [
      { ts: '2024-05-01T10:00:00.000Z', cpuPercent: 12.5, memoryBytes: 3 * 1024 ** 3 },
      { ts: '2024-05-01T10:00:15.000Z', cpuPercent: 0, memoryBytes: 1024 },
    ]);
    assert.equal(await s.store.pruneMetricPoints('2024-05-01T10:00:10.000Z'), 2);
    assert.deepEqual((await s.store.readMetricPoints('a', '2000-01-01T00:00:00.000Z')).map((p) => p.ts), ['2024-05-01T10:00:15.000Z']);
    assert.equal((await s.store.readMetricPoints('b', '2000-01-01T00:00:00.000Z')).length, 1);
  });
});
