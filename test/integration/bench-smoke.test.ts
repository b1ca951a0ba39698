import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BenchResult } from '../../bench/support/report.js';

/**
 * Every benchmark at a tiny size, so that its code cannot rot (the kubernetes one has its own,
 * test/integration/kubernetes/bench-smoke.test.ts). No figure is asserted — figures live in
 * `npm run bench` — only that the benchmark runs end to end on the real services and reports
 * each of its rows with a measured value. Each benchmark reads its sizes from the environment
 * when its module loads, so they are set before the module is imported.
 */
type Bench = () => Promise<Omit<BenchResult, 'durationMs'>>;

async function runTiny(sizes: Record<string, string>, load: () => Promise<Bench>): Promise<Omit<BenchResult, 'durationMs'>> {
  Object.assign(process.env, sizes);
  const result = await (await load())();
  assert.ok(result.rows.length > 0, `${result.name}: no rows`);
  for (const row of result.rows) assert.notEqual(row.measured.trim(), '', `${result.name}: "${row.what}" has no figure`);
  return result;
}

describe('benchmarks at a tiny size', () => {
  test('engine: no-op redeploys on the instant stub and on Docker', async () => {
    const result = await runTiny({ BENCH_ENGINE_ENVIRONMENTS: '1', BENCH_ENGINE_SERVICES: '2', BENCH_ENGINE_RUNS: '1', BENCH_ENGINE_RUNTIMES: 'instant,docker' }, async () => (await import('../../bench/engine-overhead.js')).engineOverhead);
    assert.ok(result.rows.some((r) => /SQL/i.test(r.what)), 'the SQL statement count is reported');
  });

  test('rollout: Slipway against the Engine API script, one round, a first deploy of 2', async () => {
    await runTiny({ BENCH_ROLLOUT_ROUNDS: '1', BENCH_ROLLOUT_FIRST_DEPLOY_SERVICES: '2', BENCH_ROLLOUT_FIRST_DEPLOY_ROUNDS: '1' }, async () => (await import('../../bench/rollout.js')).rolloutVsDocker);
  });

  test('api: the status API on SQLite and PostgreSQL, 20 environments, 1 s of load', async () => {
    const result = await runTiny({ BENCH_API_ENVIRONMENTS: '20', BENCH_API_DURATION_S: '1', BENCH_API_BACKENDS: 'sqlite,postgres' }, async () => (await import('../../bench/api-load.js')).apiLoad);
    assert.ok(result.rows.some((r) => r.what.startsWith('postgres')), 'PostgreSQL measured too');
  });

  test('events: 4 clients while 2 environments deploy; every client got every event', async () => {
    const result = await runTiny({ BENCH_EVENTS_CLIENTS: '4', BENCH_EVENTS_ENVIRONMENTS: '2', BENCH_EVENTS_SERVICES: '2' }, async () => (await import('../../bench/event-stream.js')).eventStreamBench);
    const all = result.rows.find((r) => r.what.endsWith('clients that got every event'));
    assert.ok(all, 'the every-client-every-event row is there');
    assert.equal(all.verdict, 'met', all.measured);
  });

  test('edge: Caddy, 1 s per phase', async () => {
    await runTiny({ BENCH_EDGE_SECONDS: '1' }, async () => (await import('../../bench/edge.js')).edgeBench);
  });

  test('observe: sampling 3 instances, a loud follower', async () => {
    await runTiny({ BENCH_OBSERVE_COUNTS: '3' }, async () => (await import('../../bench/observe.js')).observeBench);
  });

  test('build: commit to serving, one round', async () => {
    await runTiny({ BENCH_BUILD_ROUNDS: '1' }, async () => (await import('../../bench/build.js')).buildBench);
  });

  test('environments: 3 environments at once against one alone', async () => {
    await runTiny({ BENCH_MANY_ENVIRONMENTS: '3', BENCH_MANY_SERVICES: '2', BENCH_MANY_ROLLOUT_MS: '20' }, async () => (await import('../../bench/many-environments.js')).manyEnvironmentsBench);
  });
});
