/**
 * Engine overhead: environments of 50 `container` services (1 instance each, app:v1, no
 * public ports) deployed once, then environment Redeploy without changes (one request per
 * environment, all submitted at once), timed from the first submit call until every service is
 * DEPLOYED again. On the real Docker runtime one environment; on the instant stub (the engine
 * alone) 10 environments, 500 services, with the SQL statements per service counted. Both on
 * SQLite. Median of a few runs after a warm-up.
 */
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type Probe } from '../src/domain/index.js';
import { testImages, APP_PORT } from '../test/support/images.js';
import { benchEngine, runActions, type BenchEngine } from './support/bench-engine.js';
import { removeEnvironmentResources } from './support/docker-cleanup.js';
import { CpuProfile } from './support/cpu-profile.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';
import { elapsedMs, median, runsList } from './support/stats.js';

const SERVICES = Number(process.env.BENCH_ENGINE_SERVICES ?? 50);
/** Environments of SERVICES services on the instant stub (the Docker runtime gets one). */
const INSTANT_ENVIRONMENTS = Number(process.env.BENCH_ENGINE_ENVIRONMENTS ?? 10);
/** `instant,docker` (the default), or one of them. */
const RUNTIMES = (process.env.BENCH_ENGINE_RUNTIMES ?? 'instant,docker').split(',');
const RUNS = Number(process.env.BENCH_ENGINE_RUNS ?? 5);
const PROFILE_RUNS = 2;
/** A directory: the measured redeploys (not the warm-up, not the timed-call runs) are CPU-profiled into it. */
const CPU_PROF_DIR = process.env.BENCH_ENGINE_CPU_PROF;

const READINESS: Probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 };

interface Phases {
  /** Submit until the last service was marked QUEUED (done one service after another). */
  queueing: number;
  /** Last QUEUED until the first service moved on (DEPLOYING, or straight to DEPLOYED when unchanged). */
  toFirstTask: number;
  /** That first move until the last DEPLOYED: the services' own work. */
  tasks: number;
  /** Last DEPLOYED until the deployment ended. */
  finishing: number;
}

interface Measured {
  kind: 'docker' | 'instant';
  environments: number;
  toDeployed: number[];
  toEnded: number[];
  /** CPU time (user + system) of this process per redeploy: what the engine costs whatever else loads the machine. */
  cpuMs: number[];
  phases: Phases[];
  /** Per redeploy: calls and busy time of each runtime / Docker API / store call. */
  calls: Array<{ name: string; calls: number; totalMs: number; meanMs: number }>;
  initialDeployMs: number;
  maxParallel: number;
}

function phasesOf(bench: BenchEngine, ids: string[], startedAt: number, endedAt: number): Phases {
  const since = bench.events.entries.filter((e) => e.at >= startedAt);
  const wanted = new Set(ids);
  const at = (status: string, pick: 'first' | 'last'): number => {
    const hits = since.filter((e) => e.event.type === 'service.status' && wanted.has(e.event.serviceId) && e.event.status === status).map((e) => e.at);
    if (hits.length === 0) return Number.NaN;
    return pick === 'first' ? Math.min(...hits) : Math.max(...hits);
  };
  const lastQueued = at('QUEUED', 'last');
  // A service known unchanged goes QUEUED → DEPLOYED without DEPLOYING (docs/actions.md).
  const firstMove = Math.min(...[at('DEPLOYING', 'first'), at('DEPLOYED', 'first')].filter((t) => !Number.isNaN(t)));
  const lastDeployed = at('DEPLOYED', 'last');
  return {
    queueing: lastQueued - startedAt,
    toFirstTask: firstMove - lastQueued,
    tasks: lastDeployed - firstMove,
    finishing: endedAt - lastDeployed,
  };
}

/** An environment of SERVICES container services; their ids. */
async function createEnvironment(bench: BenchEngine, projectId: string, name: string): Promise<{ id: string; serviceIds: string[]; maxParallel: number }> {
  const environment = await bench.store.createEnvironment({ projectId, name, runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  const serviceIds: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const service = await bench.store.createService({
      environmentId: environment.id,
      name: `svc-${String(i).padStart(2, '0')}`,
      type: 'container',
      source: { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } },
      settings: { ...DEFAULT_SERVICE_SETTINGS, ports: [{ containerPort: APP_PORT, public: false, protocol: 'http' }], healthchecks: { readiness: READINESS } },
    });
    serviceIds.push(service.id);
  }
  return { id: environment.id, serviceIds, maxParallel: environment.settings.maxParallelDeploys };
}

async function measure(kind: 'docker' | 'instant'): Promise<Measured> {
  const bench = await benchEngine(kind);
  const environments: Array<{ id: string; serviceIds: string[]; maxParallel: number }> = [];
  const count = kind === 'instant' ? INSTANT_ENVIRONMENTS : 1;
  try {
    const project = await bench.store.createProject({ name: `bench-engine-${kind}-${Date.now().toString(36)}` });
    for (let e = 0; e < count; e++) environments.push(await createEnvironment(bench, project.id, `bench-${e}`));
    const ids = environments.flatMap((e) => e.serviceIds);
    const environmentIds = environments.map((e) => e.id);

    const first = process.hrtime.bigint();
    for (const r of await runActions(bench, environmentIds, 'DEPLOY', 600_000)) {
      if (r.status !== 'SUCCESS') throw new Error(`the initial deploy of ${SERVICES} services ended ${r.status}: ${r.message}`);
    }
    const initialDeployMs = elapsedMs(first);

    const toDeployed: number[] = [];
    const toEnded: number[] = [];
    const phases: Phases[] = [];
    const cpuMs: number[] = [];
    // Run 0 warms up (JIT, connection pools) and is not counted. The last PROFILE_RUNS run with
    // every call timed (which costs a little) and only feed the breakdown.
    let cpuProfile: CpuProfile | undefined;
    for (let run = 0; run <= RUNS + PROFILE_RUNS; run++) {
      const profiling = run > RUNS;
      if (CPU_PROF_DIR && run === 1) cpuProfile = await CpuProfile.start(CPU_PROF_DIR);
      if (cpuProfile && profiling) {
        process.stdout.write(`CPU profile of redeploys 1–${RUNS}: ${await cpuProfile.stop(`engine-${kind}`)}\n`);
        cpuProfile = undefined;
      }
      bench.times.enabled = profiling;
      const cpuBefore = process.cpuUsage();
      const ended = await runActions(bench, environmentIds, 'REDEPLOY', 120_000);
      const cpu = process.cpuUsage(cpuBefore);
      bench.times.enabled = false;
      const failed = ended.find((r) => r.status !== 'SUCCESS');
      if (failed) throw new Error(`redeploy ${run} ended ${failed.status}: ${failed.message}`);
      const startedAt = Math.min(...ended.map((r) => r.startedAt));
      const endedAt = Math.max(...ended.map((r) => r.endedAt));
      const lastDeployed = bench.events.lastStatusAt(ids, 'DEPLOYED', startedAt);
      if (lastDeployed === null) throw new Error(`redeploy ${run}: not every service went DEPLOYED`);
      for (const environmentId of environmentIds) {
        const services = await bench.store.listServices(environmentId);
        if (services.some((s) => s.status !== 'DEPLOYED')) throw new Error(`redeploy ${run}: a service is not DEPLOYED afterwards`);
      }
      if (run === 0 || profiling) continue;
      toDeployed.push(lastDeployed - startedAt);
      toEnded.push(endedAt - startedAt);
      cpuMs.push((cpu.user + cpu.system) / 1000);
      phases.push(phasesOf(bench, ids, startedAt, endedAt));
    }
    const calls = bench.times.summary().map((c) => ({ ...c, calls: c.calls / PROFILE_RUNS, totalMs: c.totalMs / PROFILE_RUNS }));
    return { kind, environments: count, toDeployed, toEnded, cpuMs, phases, calls, initialDeployMs, maxParallel: environments[0]!.maxParallel };
  } finally {
    await bench.close();
    if (bench.docker) for (const e of environments) await removeEnvironmentResources(bench.docker, e.id);
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

/** SQL statements run per service per redeploy (prepare not counted), from the profiled runs. */
function statementsPerService(m: Measured): number {
  const count = m.calls.filter((c) => c.name.startsWith('sqlite') && !c.name.startsWith('sqlite prepare')).reduce((a, c) => a + c.calls, 0);
  return count / (m.environments * SERVICES);
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
      measured: `queue ${m.environments * SERVICES} services ${ms(p.queueing)}, start ${ms(p.toFirstTask)}, service tasks ${ms(p.tasks)}, finish ${ms(p.finishing)}`,
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

function dockerRows(docker: Measured): Row[] {
  const toDeployed = median(docker.toDeployed);
  return [
    {
      what: `Redeploy, no changes, ${SERVICES} services, Docker runtime: request → all DEPLOYED`,
      measured: `${ms(toDeployed)} median (runs: ${runsList(docker.toDeployed)})`,
      target: '< 30 ms',
      verdict: verdict(toDeployed < 30),
      value: toDeployed,
      unit: 'ms',
    },
    {
      what: 'Docker: CPU time of the bench process per redeploy (user + system)',
      measured: `${ms(median(docker.cpuMs))} median (runs: ${runsList(docker.cpuMs)})`,
      target: '',
      verdict: 'info',
    },
    {
      what: 'Docker: request → deployment ended; initial Deploy (not a target)',
      measured: `${ms(median(docker.toEnded))} median; ${ms(docker.initialDeployMs)}`,
      target: '',
      verdict: 'info',
    },
    ...breakdownRows(docker, 'Docker', 7, 2),
  ];
}

function instantRows(instant: Measured): Row[] {
  const toDeployed = median(instant.toDeployed);
  const perService = statementsPerService(instant);
  const services = instant.environments * SERVICES;
  return [
    {
      what: `Redeploy, no changes, ${instant.environments} environments × ${SERVICES} services at once, instant stub (engine alone)`,
      measured: `${ms(toDeployed)} median (runs: ${runsList(instant.toDeployed)})`,
      target: '< 100 ms',
      verdict: verdict(toDeployed < 100),
      value: toDeployed,
      unit: 'ms',
    },
    {
      what: `SQL statements per service in that redeploy (${services} services)`,
      measured: perService.toFixed(1),
      target: '≤ 5',
      verdict: verdict(perService <= 5),
      value: perService,
      unit: 'statements',
    },
    {
      what: 'stub: CPU time of the process per redeploy (user + system; the machine is shared)',
      measured: `${ms(median(instant.cpuMs))} median (runs: ${runsList(instant.cpuMs)})`,
      target: '',
      verdict: 'info',
    },
    {
      what: 'stub: request → deployments ended; initial Deploy (not a target)',
      measured: `${ms(median(instant.toEnded))} median; ${ms(instant.initialDeployMs)}`,
      target: '',
      verdict: 'info',
    },
    ...breakdownRows(instant, 'stub', 8, 12),
  ];
}

export async function engineOverhead(): Promise<Omit<BenchResult, 'durationMs'>> {
  const rows: Row[] = [];
  let maxParallel = 0;
  for (const kind of ['instant', 'docker'] as const) {
    if (!RUNTIMES.includes(kind)) continue;
    const measured = await measure(kind);
    maxParallel = measured.maxParallel;
    rows.push(...(kind === 'instant' ? instantRows(measured) : dockerRows(measured)));
  }
  return {
    name: 'engine',
    title: 'Engine overhead',
    rows,
    notes: [
      `SQLite store in a temporary directory; default engine options; environment maxParallelDeploys ${maxParallel} (the default).`,
      `Services: ${testImages.appV1.ref}, 1 instance, http readiness on /healthz (period 1 s), no public ports. Median of ${RUNS} redeploys after 1 warm-up.`,
      'Statements per service: every SQLite statement the process ran during a profiled redeploy (the requests, queue, journal, events), divided by the services redeployed.',
      `Call rows: per redeploy, from ${PROFILE_RUNS} extra redeploys with every call timed (not counted in the medians); "busy" sums concurrent calls, so it can exceed wall time. docker … rows are Docker Engine API calls under the runtime.* calls; store.* rows are store calls; sqlite … rows are the statements under them.`,
    ],
  };
}
