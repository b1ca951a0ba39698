/**
 * API under load: 10,000 environments × 10 services (100,000 services) written into a store,
 * on SQLite then on PostgreSQL, the control plane started on it as its own process (compiled,
 * as `npm start` runs it), then autocannon from this process on
 * GET /api/v1/environments/{id}/status with a random environment id per request. Requests/s
 * and p99 latency; then the server process's RSS (read from /proc, so the load generator is
 * not counted). Then the same load against a bare Fastify server answering the same bytes
 * (bench/support/floor-server.ts): the floor this machine and load generator allow.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { newTestEdge, removeTestEdge, testEdgeEnv, type TestEdge } from '../test/support/test-edge.js';
import { seedEnvironments } from './support/bulk-seed.js';
import { freePort } from '../test/support/free-port.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';

const PROJECTS = 10;
const ENVIRONMENTS_PER_PROJECT = Number(process.env.BENCH_API_ENVIRONMENTS ?? 10_000) / PROJECTS;
/** `sqlite,postgres` (the default), or one of them. */
const BACKENDS = (process.env.BENCH_API_BACKENDS ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>;
const SERVICES_PER_ENVIRONMENT = 10;
/** Services as after a successful deploy (a sealed deployed spec, its digests), unless `0`: never deployed. */
const DEPLOYED = process.env.BENCH_API_DEPLOYED !== '0';
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 10);
const DURATION_S = Number(process.env.BENCH_API_DURATION_S ?? 10);
/** Extra node flags for the server process (e.g. a V8 heap setting to compare). */
const SERVER_NODE_FLAGS = (process.env.BENCH_API_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const WARMUP_S = 2;
const SECRET_KEY = 'bench-api-key';
const TOKEN = 'bench-api-token-0123456789abcdef';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(repo, 'node_modules', '.cache', 'slipway-bench-build');

let compiled: Promise<void> | undefined;

/**
 * Compiles src and the two server entries once per run; falls back to tsx when the compiled
 * entry is missing.
 */
async function serverCommand(name: 'api-server' | 'floor-server'): Promise<{ args: string[]; how: string }> {
  compiled ??= (async () => {
    rmSync(buildDir, { recursive: true, force: true });
    try {
      await promisify(execFile)(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', join(repo, 'bench', 'tsconfig.server.json'), '--outDir', buildDir], { cwd: repo });
    } catch {
      // Type errors (another part of the tree mid-edit) still emit JavaScript; only a missing entry matters.
    }
  })();
  await compiled;
  const entry = join(buildDir, 'bench', 'support', `${name}.js`);
  if (existsSync(entry)) return { args: [entry], how: 'compiled with tsc, run with plain node' };
  return { args: ['--import', 'tsx', join(repo, 'bench', 'support', `${name}.ts`)], how: 'run through tsx (compiling failed), which adds its loader to the RSS' };
}

interface Memory {
  rssMb: number;
  peakMb: number;
  /** Of the RSS, memory of the process's own (heaps, malloc) and pages of mapped files (code). */
  anonMb: number;
  fileMb: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024, anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024 };
}

/**
 * CPU time the process has used, user + system, in ms (fields 14 and 15 of /proc/<pid>/stat,
 * in clock ticks of 10 ms: CLK_TCK is 100 on Linux).
 */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count from the parenthesis that closes it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before answering`);
    try {
      const response = await fetch(`${url}/api/v1/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the server did not answer /api/v1/healthz within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function load(url: string, ids: string[], seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${TOKEN}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: `/api/v1/environments/${ids[Math.floor(Math.random() * ids.length)]}/status` }),
      },
    ],
  });
}

/** One server process under the load. */
interface UnderLoad {
  result: autocannon.Result;
  idle: Memory;
  after: Memory;
  /** The server's CPU time (user + system) over the timed load, not the warm-up. */
  serverCpuMs: number;
}

interface Measured extends UnderLoad {
  backend: 'sqlite' | 'postgres';
  populateMs: number;
  environments: number;
  how: string;
  /** The answer sampled before the load, and the ids asked for: the floor server's load. */
  sampleBody: string;
  ids: string[];
}

/** The warm-up, then the timed load, against a server already answering. */
async function loadPhase(what: string, pid: number, url: string, ids: string[]): Promise<UnderLoad> {
  const idle = memoryOf(pid);
  await load(url, ids, WARMUP_S);
  const cpuBefore = cpuMsOf(pid);
  const result = await load(url, ids, DURATION_S);
  const serverCpuMs = cpuMsOf(pid) - cpuBefore;
  const after = memoryOf(pid);
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(`the load run on ${what} had ${result.errors} errors, ${result.non2xx} non-2xx answers, ${result.timeouts} timeouts`);
  }
  return { result, idle, after, serverCpuMs };
}

/** A database of its own on the test PostgreSQL server for one run, dropped afterwards. */
async function scratchPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.BENCH_API_POSTGRES_URL ?? 'postgres://postgres:slipway@127.0.0.1:5432/postgres';
  const database = `slipway_bench_api_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(base);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

async function measureBackend(backend: 'sqlite' | 'postgres'): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-api-'));
  const postgres = backend === 'postgres' ? await scratchPostgres() : undefined;
  const databaseUrl = postgres?.url ?? '';
  let child: ChildProcess | undefined;
  let edge: TestEdge | undefined;
  try {
    const populateStart = performance.now();
    const ids = await seedEnvironments(
      { dataDir: dir, secretKey: SECRET_KEY, databaseUrl },
      { projects: PROJECTS, environmentsPerProject: ENVIRONMENTS_PER_PROJECT, servicesPerEnvironment: SERVICES_PER_ENVIRONMENT, deployed: DEPLOYED },
    );
    const populateMs = performance.now() - populateStart;

    const { args, how } = await serverCommand('api-server');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const logPath = join(dir, 'server.log');
    const logFd = openSync(logPath, 'a');
    // Slipway always runs its edge: the status API alone is measured, but an idle Caddy
    // container of its own (test image, own ports) stands beside the server as in production.
    edge = await newTestEdge(`slipway-bench-api-edge-${process.pid}-${backend}`);
    child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...args], {
      cwd: repo,
      stdio: ['ignore', logFd, logFd],
      env: {
        ...process.env,
        SLIPWAY_DATA_DIR: dir,
        SLIPWAY_SECRET_KEY: SECRET_KEY,
        SLIPWAY_BOOTSTRAP_TOKEN: TOKEN,
        SLIPWAY_HOST: '127.0.0.1',
        SLIPWAY_PORT: String(port),
        ...testEdgeEnv(edge),
        SLIPWAY_DATABASE_URL: databaseUrl,
        SLIPWAY_LOG_LEVEL: process.env.BENCH_API_LOG_LEVEL ?? 'info',
      },
    });
    closeSync(logFd);
    await waitHealthy(url, child, 120_000);

    // The answer is what it should be before anything is timed.
    const sample = await fetch(`${url}/api/v1/environments/${ids[ids.length - 1]}/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const sampleBody = await sample.text();
    const body = JSON.parse(sampleBody) as { services?: Array<{ deployedVersion: string | null; pendingChanges: boolean }> };
    if (sample.status !== 200 || body.services?.length !== SERVICES_PER_ENVIRONMENT) {
      throw new Error(`GET /environments/{id}/status answered ${sample.status} with ${body.services?.length ?? 'no'} services`);
    }
    if (body.services.some((s) => s.pendingChanges || (s.deployedVersion !== null) !== DEPLOYED)) {
      throw new Error(`the seeded services are not as meant (${DEPLOYED ? 'deployed' : 'never deployed'}, nothing pending): ${JSON.stringify(body.services)}`);
    }
    const measured = await loadPhase(backend, child.pid!, url, ids);
    return { backend, ...measured, populateMs, environments: ids.length, how, sampleBody, ids };
  } finally {
    if (child) await stopServer(child);
    if (edge) await removeTestEdge(edge.container);
    rmSync(dir, { recursive: true, force: true });
    await postgres?.drop();
  }
}

/**
 * The same load against bench/support/floor-server.ts answering `body` (what Slipway answered):
 * what this machine and this load generator allow a Node server that does nothing else.
 */
async function measureFloor(body: string, ids: string[]): Promise<UnderLoad> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-floor-'));
  let child: ChildProcess | undefined;
  try {
    const bodyFile = join(dir, 'status.json');
    writeFileSync(bodyFile, body);
    const { args } = await serverCommand('floor-server');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, args, { cwd: repo, stdio: 'ignore', env: { ...process.env, FLOOR_BODY_FILE: bodyFile, FLOOR_PORT: String(port) } });
    await waitHealthy(url, child, 30_000);
    return await loadPhase('the floor server', child.pid!, url, ids);
  } finally {
    if (child) await stopServer(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const cpuPerRequestUs = (m: UnderLoad): number => (m.serverCpuMs * 1000) / m.result.requests.total;
const rss = (m: Memory): string => `${m.rssMb.toFixed(1)} MB (${m.anonMb.toFixed(1)} MB anonymous, ${m.fileMb.toFixed(1)} MB mapped files)`;

function backendRows(m: Measured, sqliteP99: number | undefined, floor: UnderLoad): Row[] {
  const { result, after, idle } = m;
  const p99 = result.latency.p99;
  const rows: Row[] = [
    {
      what: `${m.backend}: GET /environments/{id}/status, ${CONNECTIONS} connections, ${DURATION_S} s: requests/s`,
      measured: `${Math.round(result.requests.average)} req/s (${result.requests.total} requests)`,
      target: m.backend === 'sqlite' ? '≥ 8000 req/s' : '',
      verdict: m.backend === 'sqlite' ? verdict(result.requests.average >= 8000) : 'info',
      value: result.requests.average,
      unit: 'req/s',
    },
    {
      what: `${m.backend}: latency p99`,
      measured: `${ms(p99)} (p50 ${ms(result.latency.p50)}, p97.5 ${ms(result.latency.p97_5)}, max ${ms(result.latency.max)})`,
      target: m.backend === 'sqlite' ? '< 5 ms' : '≤ 1.5 × SQLite',
      verdict: m.backend === 'sqlite' ? verdict(p99 < 5) : sqliteP99 === undefined ? 'info' : verdict(p99 <= 1.5 * sqliteP99),
      value: p99,
      unit: 'ms',
    },
    {
      // Steadier than requests/s on a shared machine: what the server spends, whoever else runs.
      what: `${m.backend}: server CPU time per request, not a target`,
      measured: `${cpuPerRequestUs(m).toFixed(0)} µs (${ms(m.serverCpuMs)} over ${result.requests.total} requests; ${(cpuPerRequestUs(m) / cpuPerRequestUs(floor)).toFixed(1)}× the floor server's)`,
      target: '',
      verdict: 'info',
      value: cpuPerRequestUs(m),
      unit: 'µs',
    },
    {
      what: `${m.backend}: control-plane RSS after the load`,
      measured: `${rss(after)}; peak ${after.peakMb.toFixed(1)} MB; ${idle.rssMb.toFixed(1)} MB before the load`,
      target: '< 150 MB',
      verdict: verdict(after.rssMb < 150),
      value: after.rssMb,
      unit: 'MB',
    },
    {
      what: `${m.backend}: writing ${m.environments} environments × ${SERVICES_PER_ENVIRONMENT} services into the store, not a target`,
      measured: ms(m.populateMs),
      target: '',
      verdict: 'info',
    },
  ];
  return rows;
}

function floorRow(floor: UnderLoad, of: Measured): Row {
  const { result } = floor;
  return {
    what: `floor: a bare Fastify server answering the same bytes (${of.backend}'s answer; no token, store or log line), same load, not a target`,
    measured: `${Math.round(result.requests.average)} req/s, p99 ${ms(result.latency.p99)}, server CPU ${cpuPerRequestUs(floor).toFixed(0)} µs per request, RSS after the load ${rss(floor.after)}`,
    target: '',
    verdict: 'info',
    value: result.requests.average,
    unit: 'req/s',
  };
}

export async function apiLoad(): Promise<Omit<BenchResult, 'durationMs'>> {
  const measured: Measured[] = [];
  for (const backend of BACKENDS) measured.push(await measureBackend(backend));
  const first = measured[0]!;
  const floor = await measureFloor(first.sampleBody, first.ids);
  const sqliteP99 = measured.find((m) => m.backend === 'sqlite')?.result.latency.p99;
  const rows: Row[] = [...measured.flatMap((m) => backendRows(m, sqliteP99, floor)), floorRow(floor, first)];
  const how = first.how;
  return {
    name: 'api',
    title: 'API under load',
    rows,
    notes: [
      `Server: src/app.ts startSlipway in its own process (${how}), SLIPWAY_LOG_LEVEL=${process.env.BENCH_API_LOG_LEVEL ?? 'info'} (every request logged, to a file), bearer token auth on every request; SQLite in a temporary directory, PostgreSQL in a database created for the run and dropped after.`,
      `Store: ${PROJECTS} projects; one environment of ${SERVICES_PER_ENVIRONMENT} services written through the store, the others copied from it in multi-row inserts (bench/support/bulk-seed.ts). ${DEPLOYED ? 'Every service deployed, nothing pending: its deployed spec sealed for it, as the engine records a successful deploy (BENCH_API_DEPLOYED=0: never deployed).' : 'No service ever deployed (BENCH_API_DEPLOYED=0).'}`,
      `Load: autocannon in the benchmark process, ${CONNECTIONS} connections, a random environment id per request, after a ${WARMUP_S} s warm-up; every answer was 2xx. RSS and peak (VmHWM) from /proc/<server pid>/status.`,
      "Both processes share this machine's cores, so the load generator takes CPU from the server.",
      'Floor: bench/support/floor-server.ts in its own process, after the backends, under the same load with the same ids: Fastify answering the bytes sampled from the first backend and nothing else. Its requests/s is about what this load generator reaches on this machine at all; Slipway\'s CPU per request over the floor\'s is the part Slipway adds.',
    ],
  };
}
