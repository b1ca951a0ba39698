import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type Docker from 'dockerode';
import { ContainerStats } from '../../../src/runtime/docker/container-stats.js';

/** An engine whose stats answers are scripted: each call takes the next sample of the container. */
function engineAnswering(samples: { container: number; system: number }[]): { docker: Docker; calls: () => number } {
  let next = 0;
  const docker = {
    getContainer: () => ({
      stats: async () => {
        const sample = samples[Math.min(next++, samples.length - 1)]!;
        return { cpu_stats: { cpu_usage: { total_usage: sample.container }, system_cpu_usage: sample.system, online_cpus: 2 }, memory_stats: { usage: 4096, limit: 8192 } };
      },
    }),
  } as unknown as Docker;
  return { docker, calls: () => next };
}

test('the first reading of a container has no CPU figure; the next one compares with it', async () => {
  const { docker } = engineAnswering([
    { container: 0, system: 0 },
    { container: 50, system: 1000 },
  ]);
  const stats = new ContainerStats(docker);
  assert.equal((await stats.read(['c1']))[0]!.cpuPercent, null);
  // 50 of 1000 host nanoseconds, on 2 CPUs: 10 % of one core.
  assert.equal((await stats.read(['c1']))[0]!.cpuPercent, 10);
});

test('the same engine sample read twice (two callers at once) gives the same figure, not none', async () => {
  const { docker } = engineAnswering([
    { container: 0, system: 0 },
    { container: 50, system: 1000 },
    { container: 50, system: 1000 },
    { container: 50, system: 1000 },
  ]);
  // Seconds apart, as the engine's samples are: each new sample becomes the one compared with.
  mock.timers.enable({ apis: ['Date'], now: 0 });
  try {
    const stats = new ContainerStats(docker);
    await stats.read(['c1']);
    mock.timers.tick(2000);
    const figures = [];
    for (let i = 0; i < 3; i++) figures.push((await stats.read(['c1']))[0]!.cpuPercent);
    assert.deepEqual(figures, [10, 10, 10]);
  } finally {
    mock.timers.reset();
  }
});

test('memory is usage with its limit, from every reading', async () => {
  const { docker } = engineAnswering([{ container: 0, system: 0 }]);
  const [usage] = await new ContainerStats(docker).read(['c1']);
  assert.equal(usage!.memoryBytes, 4096);
  assert.equal(usage!.memoryLimitBytes, 8192);
});
