/**
 * Engine overhead: an environment of 50 `container` services (1 instance each, app:v1, no
 * public ports) deployed once, then environment Redeploy without changes, timed from the
 * submit call until every service is DEPLOYED again. Once on the real Docker runtime, once on
 * the instant stub (the engine alone), both on SQLite. Median of a few runs after a warm-up.
 */
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type Probe } from '../src/domain/index.js';
import { testImages, APP_PORT } from '../test/support/images.js';
import { benchEngine, runAction, type BenchEngine } from './support/bench-engine.js';
import { removeEnvironmentResources } from './support/docker-cleanup.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';
import { elapsedMs, median, runsList } from './support/stats.js';

const SERVICES = Number(process.env.BENCH_ENGINE_SERVICES ?? 50);
const RUNS = Number(process.env.BENCH_ENGINE_RUNS ?? 5);
const PROFILE_RUNS = 2;

const READINESS: Probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 };

interface Phases {
  /** Submit until the last service was marked QUEUED (done one service after another). */
  queueing: number;
  /** Last QUEUED until the first service started its work (DEPLOYING). */
  toFirstTask: number;
  /** First DEPLOYING until the last DEPLOYED: the services' own work, maxParallelDeploys at a time. */
  tasks: number;
  /** Last DEPLOYED until the deployment ended. */
  finishing: number;
}

interface Measured {
  kind: 'docker' | 'instant';
  toDeployed: number[];
  toEnded: number[];
  phases: Phases[];
  /** Per redeploy: calls and busy time of each runtime / Docker API / store call. */
  calls: Array<{ name: string; calls: number; totalMs: number; meanMs: number }>;
  initialDeployMs: number;
  maxParallel: number;
}

function phasesOf(bench: BenchEngine, ids: string[], startedAt: number, endedAt: number): Phases {
  const since = bench.events.entries.filter((e) => e.at >= startedAt);
  const at = (status: string, pick: 'first' | 'last'): number => {
    const hits = since.filter((e) => e.event.type === 'service.status' && ids.includes(e.event.serviceId) && e.event.status === status).map((e) => e.at);
    if (hits.length === 0) return Number.NaN;
    return pick === 'first' ? Math.min(...hits) : Math.max(...hits);
  };
  const lastQueued = at('QUEUED', 'last');
  const firstDeploying = at('DEPLOYING', 'first');
  const lastDeployed = at('DEPLOYED', 'last');
  return {
    queueing: lastQueued - startedAt,
    toFirstTask: firstDeploying - lastQueued,
    tasks: lastDeployed - firstDeploying,
    finishing: endedAt - lastDeployed,
  };
}

async function measure(kind: 'docker' | 'instant'): Promise<Measured> {
  const bench = await benchEngine(kind);
  let environmentId: string | undefined;
  try {
    const project = await bench.store.createProject({ name: `bench-engine-${kind}-${Date.now().toString(36)}` });
    const environment = await bench.store.createEnvironment({ projectId: project.id, name: 'bench', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    environmentId = environment.id;
    const ids: string[] = [];
    for (let i = 0; i < SERVICES; i++) {
      const service = await bench.store.createService({
        environmentId: environment.id,
        name: `svc-${String(i).padStart(2, '0')}`,
        type: 'container',
        source: { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } },
        settings: { ...DEFAULT_SERVICE_SETTINGS, ports: [{ containerPort: APP_PORT, public: false, protocol: 'http' }], healthchecks: { readiness: READINESS } },
      });
      ids.push(service.id);
    }

    const first = process.hrtime.bigint();
    const initial = await runAction(bench, { environmentId: environment.id, action: 'DEPLOY' }, 600_000);
    if (initial.status !== 'SUCCESS') throw new Error(`the initial deploy of ${SERVICES} services ended ${initial.status}: ${initial.message}`);
    const initialDeployMs = elapsedMs(first);

    const toDeployed: number[] = [];
    const toEnded: number[] = [];
    const phases: Phases[] = [];
    // Run 0 warms up (JIT, connection pools) and is not counted. The last PROFILE_RUNS run with
    // every call timed (which costs a little) and only feed the breakdown.
    for (let run = 0; run <= RUNS + PROFILE_RUNS; run++) {
      const profiling = run > RUNS;
      bench.times.enabled = profiling;
      const r = await runAction(bench, { environmentId: environment.id, action: 'REDEPLOY' }, 120_000);
      bench.times.enabled = false;
      if (r.status !== 'SUCCESS') throw new Error(`redeploy ${run} ended ${r.status}: ${r.message}`);
      const lastDeployed = bench.events.lastStatusAt(ids, 'DEPLOYED', r.startedAt);
      if (lastDeployed === null) throw new Error(`redeploy ${run}: not every service went DEPLOYED`);
      const services = await bench.store.listServices(environment.id);
      if (services.some((s) => s.status !== 'DEPLOYED')) throw new Error(`redeploy ${run}: a service is not DEPLOYED afterwards`);
      if (run === 0 || profiling) continue;
      toDeployed.push(lastDeployed - r.startedAt);
      toEnded.push(r.endedAt - r.startedAt);
      phases.push(phasesOf(bench, ids, r.startedAt, r.endedAt));
    }
    const calls = bench.times.summary().map((c) => ({ ...c, calls: c.calls / PROFILE_RUNS, totalMs: c.totalMs / PROFILE_RUNS }));
    return { kind, toDeployed, toEnded, phases, calls, initialDeployMs, maxParallel: environment.settings.maxParallelDeploys };
  } finally {
    await bench.close();
    if (bench.docker && environmentId) await removeEnvironmentResources(bench.docker, environmentId);
  }
}

function medianPhases(list: Phases[]): Phases {
  return {
    queueing: median(list.map((p) => p.queueing)),
    toFirstTask: median(list.map((p) => p.toFirstTask)),
    tasks: median(list.map((p) => p.tasks)),
    finishing: median(list.map((p) => p.finishing)),
  };
}

function callRow(label: string, c: Measured['calls'][number]): Row {
  return { what: `${label}: ${c.name}`, measured: `${Math.round(c.calls)} calls, ${ms(c.totalMs)} busy, ${ms(c.meanMs)} each`, target: '', verdict: 'info' };
}

function breakdownRows(m: Measured, label: string, topCalls: number, topStatements: number): Row[] {
  const p = medianPhases(m.phases);
  const statements = m.calls.filter((c) => c.name.startsWith('sqlite'));
  const others = m.calls.filter((c) => !c.name.startsWith('sqlite'));
  const sqliteMs = statements.reduce((a, c) => a + c.totalMs, 0);
  const sqliteCount = statements.filter((c) => !c.name.startsWith('sqlite prepare')).reduce((a, c) => a + c.calls, 0);
  return [
    {
      what: `${label}: phases (median)`,
      measured: `queue ${SERVICES} services ${ms(p.queueing)}, start ${ms(p.toFirstTask)}, service tasks ${ms(p.tasks)}, finish ${ms(p.finishing)}`,
      target: '',
      verdict: 'info',
    },
    ...others.slice(0, topCalls).map((c) => callRow(label, c)),
    {
      what: `${label}: SQLite, all statements (synchronous, so real time)`,
      measured: `${Math.round(sqliteCount)} statements, ${ms(sqliteMs)} including prepare`,
      target: '',
      verdict: 'info',
    },
    ...statements.slice(0, topStatements).map((c) => callRow(label, c)),
  ];
}

export async function engineOverhead(): Promise<Omit<BenchResult, 'durationMs'>> {
  const instant = await measure('instant');
  const docker = await measure('docker');
  const dockerMedian = median(docker.toDeployed);
  const instantMedian = median(instant.toDeployed);
  const rows: Row[] = [
    {
      what: `Redeploy, no changes, ${SERVICES} services, Docker runtime: request → all DEPLOYED`,
      measured: `${ms(dockerMedian)} median (runs: ${runsList(docker.toDeployed)})`,
      target: '< 1000 ms',
      verdict: verdict(dockerMedian < 1000),
      value: dockerMedian,
      unit: 'ms',
    },
    {
      what: `Redeploy, no changes, ${SERVICES} services, instant stub (engine alone)`,
      measured: `${ms(instantMedian)} median (runs: ${runsList(instant.toDeployed)})`,
      target: '< 100 ms',
      verdict: verdict(instantMedian < 100),
      value: instantMedian,
      unit: 'ms',
    },
    {
      what: 'request → deployment ended (Docker / stub)',
      measured: `${ms(median(docker.toEnded))} / ${ms(median(instant.toEnded))} median`,
      target: '',
      verdict: 'info',
    },
    {
      what: `initial Deploy of ${SERVICES} services (Docker / stub), not a target`,
      measured: `${ms(docker.initialDeployMs)} / ${ms(instant.initialDeployMs)}`,
      target: '',
      verdict: 'info',
    },
    ...breakdownRows(docker, 'Docker', 7, 2),
    ...breakdownRows(instant, 'stub', 5, 4),
  ];
  return {
    name: 'engine',
    title: 'Engine overhead',
    rows,
    notes: [
      `SQLite store in a temporary directory; default engine options; environment maxParallelDeploys ${docker.maxParallel} (the default).`,
      `Services: ${testImages.appV1.ref}, 1 instance, http readiness on /healthz (period 1 s), no public ports. Median of ${RUNS} redeploys after 1 warm-up.`,
      `Call rows: per redeploy, from ${PROFILE_RUNS} extra redeploys with every call timed (not counted in the medians); "busy" sums concurrent calls, so it can exceed wall time. docker … rows are Docker Engine API calls under the runtime.* calls; store.* rows are store calls; sqlite … rows are the statements under them.`,
    ],
  };
}
