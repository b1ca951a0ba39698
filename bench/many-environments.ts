/**
 * Many environments at once: ENVIRONMENTS environments of SERVICES container services each
 * deploy at the same time (one request each) on the instant stub runtime, against the time one
 * such environment takes when it deploys alone. With no global lock the engine works on them
 * side by side, and the total stays close to one environment's time; a lock shared by all of
 * them would make it about ENVIRONMENTS times as long.
 *
 * Alone: ALONE_RUNS environments deployed one after the other (after a warm-up), the longest
 * counts. Together: a first deploy of all the others at once, from the first request to the
 * last deployment's end.
 *
 * On the instant stub each environment's deploy is CPU work only, which 100 environments share;
 * so the same is measured again with each rollout waiting WAITING_ROLLOUT_MS in the stub, as a
 * real runtime waits for its instances: there, a lock would show at once.
 */
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../src/domain/index.js';
import { APP_PORT, testImages } from '../test/support/images.js';
import { benchEngine, runActions, type BenchEngine } from './support/bench-engine.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';

const ENVIRONMENTS = Number(process.env.BENCH_MANY_ENVIRONMENTS ?? 100);
const SERVICES = Number(process.env.BENCH_MANY_SERVICES ?? 10);
const ALONE_RUNS = 3;
const TARGET_RATIO = 1.3;
const WAITING_ROLLOUT_MS = Number(process.env.BENCH_MANY_ROLLOUT_MS ?? 1000);

async function createEnvironments(bench: BenchEngine, count: number, prefix: string): Promise<string[]> {
  const project = await bench.store.createProject({ name: `${prefix}-${Date.now().toString(36)}` });
  const ids: string[] = [];
  for (let e = 0; e < count; e++) {
    const environment = await bench.store.createEnvironment({ projectId: project.id, name: `env-${e}`, runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    for (let s = 0; s < SERVICES; s++) {
      await bench.store.createService({
        environmentId: environment.id,
        name: `svc-${s}`,
        type: 'container',
        source: { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } },
        settings: { ...DEFAULT_SERVICE_SETTINGS, ports: [{ containerPort: APP_PORT, public: false, protocol: 'http' }] },
      });
    }
    ids.push(environment.id);
  }
  return ids;
}

/** Deploys these environments at once; the time from the first request to the last end. */
async function deployAll(bench: BenchEngine, environmentIds: readonly string[]): Promise<{ totalMs: number; longestOwnMs: number }> {
  const ended = await runActions(bench, environmentIds, 'DEPLOY', 600_000);
  const failed = ended.find((r) => r.status !== 'SUCCESS');
  if (failed) throw new Error(`a deploy ended ${failed.status}: ${failed.message}`);
  const totalMs = Math.max(...ended.map((r) => r.endedAt)) - Math.min(...ended.map((r) => r.startedAt));
  return { totalMs, longestOwnMs: Math.max(...ended.map((r) => r.endedAt - r.startedAt)) };
}

interface Measured {
  aloneMs: number[];
  longestAlone: number;
  all: { totalMs: number; longestOwnMs: number };
  cpuMs: number;
  ratio: number;
}

/** ALONE_RUNS environments one after the other, then ENVIRONMENTS at once, on a fresh engine. */
async function measure(rolloutMs: number): Promise<Measured> {
  const bench = await benchEngine('instant', { rolloutMs });
  try {
    const alone = await createEnvironments(bench, ALONE_RUNS + 1, 'alone');
    const together = await createEnvironments(bench, ENVIRONMENTS, 'together');
    const aloneMs: number[] = [];
    for (const [run, id] of alone.entries()) {
      const { totalMs } = await deployAll(bench, [id]);
      if (run > 0) aloneMs.push(totalMs); // run 0 warms up
    }
    const longestAlone = Math.max(...aloneMs);
    const cpuBefore = process.cpuUsage();
    const all = await deployAll(bench, together);
    const cpu = process.cpuUsage(cpuBefore);
    return { aloneMs, longestAlone, all, cpuMs: (cpu.user + cpu.system) / 1000, ratio: all.totalMs / longestAlone };
  } finally {
    await bench.close();
  }
}

export async function manyEnvironmentsBench(): Promise<Omit<BenchResult, 'durationMs'>> {
  const instant = await measure(0);
  const waiting = await measure(WAITING_ROLLOUT_MS);
  const rows: Row[] = [
    { what: `one environment of ${SERVICES} services deploying alone (longest of ${ALONE_RUNS})`, measured: `${ms(instant.longestAlone)} (runs: ${instant.aloneMs.map((v) => ms(v)).join(', ')})`, target: '', verdict: 'info', value: instant.longestAlone, unit: 'ms' },
    { what: `${ENVIRONMENTS} environments deploying at once: first request → last end`, measured: ms(instant.all.totalMs), target: '', verdict: 'info', value: instant.all.totalMs, unit: 'ms' },
    { what: 'ratio: all at once / one alone', measured: instant.ratio.toFixed(2), target: `≤ ${TARGET_RATIO}`, verdict: verdict(instant.ratio <= TARGET_RATIO), value: instant.ratio },
    { what: 'slowest environment of the lot, request → end', measured: ms(instant.all.longestOwnMs), target: '', verdict: 'info', value: instant.all.longestOwnMs, unit: 'ms' },
    { what: 'process CPU while all deployed', measured: ms(instant.cpuMs), target: '', verdict: 'info', value: instant.cpuMs, unit: 'ms' },
    // Under 1: the wall time is the CPU work itself, nothing waited on a lock meanwhile.
    { what: 'wall time / process CPU while all deployed', measured: (instant.all.totalMs / instant.cpuMs).toFixed(2), target: '', verdict: 'info' },
    {
      what: `each rollout waiting ${ms(WAITING_ROLLOUT_MS)} in the stub: one alone (longest of ${ALONE_RUNS}) → all at once`,
      measured: `${ms(waiting.longestAlone)} → ${ms(waiting.all.totalMs)}; ratio ${waiting.ratio.toFixed(2)}; CPU ${ms(waiting.cpuMs)}`,
      target: '(context)',
      verdict: 'info',
      value: waiting.ratio,
    },
  ];
  return {
    name: 'environments',
    title: 'Many environments at once',
    rows,
    notes: [
      `Engine in this process on a fresh SQLite store, instant stub runtime (every runtime call answers at once), ${ENVIRONMENTS} environments × ${SERVICES} container services, first deploys, one request per environment (BENCH_MANY_ENVIRONMENTS, BENCH_MANY_SERVICES).`,
      'A global lock would make the ratio about the number of environments; CPU shared by all of them (2 cores here, the engine on one) makes it grow with the work however the engine is organised.',
      `The last row runs the same with each rollout waiting ${ms(WAITING_ROLLOUT_MS)} in the stub (BENCH_MANY_ROLLOUT_MS), as a real runtime waits for its instances: the environments wait side by side, so the ratio stays near 1 unless they queue behind each other.`,
    ],
  };
}
