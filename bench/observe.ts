/**
 * Observing what runs: the control plane's CPU and memory (this process: the engine is
 * in-process) while Slipway samples CPU and memory of 100 and 500 instances, and while one
 * service prints about 10,000 lines a second to a follower of its logs; and the latency from a
 * line printed (the engine's timestamp of it) to the line received through serviceLogs.
 *
 * The instances are plain containers labelled as a service's instances (10 per service) of the
 * test image running `sleep`: created straight on the Docker Engine, not deployed (a deploy of
 * 500 would measure the rollout, not the sampling). Sampling cycles run back to back; the CPU
 * a cycle costs is then spread over the production interval (15 s) to say what share of a core
 * sampling takes. Counts: BENCH_OBSERVE_COUNTS (default "100,500"); a count whose containers are
 * not all created within BENCH_OBSERVE_CREATE_S (default 240 s) is measured with those created.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../src/domain/index.js';
import { MetricsSampler } from '../src/engine/observe/metrics-sampler.js';
import { serviceLogs } from '../src/engine/observe/service-observation.js';
import { RuntimeResolver } from '../src/engine/runtime-resolver.js';
import { DockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { LABEL } from '../src/runtime/docker/names-and-labels.js';
import { createStore } from '../src/store/create-store.js';
import type { Store } from '../src/store/store.js';
import { testImages } from '../test/support/images.js';
import { removeEnvironmentResources } from './support/docker-cleanup.js';
import { NoPublicPortsEdge } from './support/no-public-ports-edge.js';
import { ms, type BenchResult, type Row } from './support/report.js';
import { median } from './support/stats.js';

const COUNTS = (process.env.BENCH_OBSERVE_COUNTS ?? '100,500').split(',').map(Number).filter((n) => n > 0);
const CREATE_BOUND_MS = Number(process.env.BENCH_OBSERVE_CREATE_S ?? 240) * 1000;
const PER_SERVICE = 10;
const CYCLES = 3;
const PRODUCTION_INTERVAL_MS = 15_000;
const LOG_SECONDS = 10;
/** 1,000 lines, then a tenth of a second: about 10,000 lines a second at most. */
const LOUD = 'while true; do i=0; while [ $i -lt 1000 ]; do echo "line $i of a service that prints a lot of lines"; i=$((i+1)); done; sleep 0.1; done';

interface Setup {
  store: Store;
  docker: Docker;
  runtime: DockerRuntime;
  resolver: RuntimeResolver;
  environmentId: string;
  projectId: string;
  close(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-observe-'));
  const store = await createStore({ dataDir: dir, secretKey: 'bench-key' });
  const docker = new Docker();
  // start() is not called: it would adopt other runs' containers on this shared engine. The
  // instances have no network, let alone a public port: no edge container.
  const runtime = new DockerRuntime({ docker, edge: new NoPublicPortsEdge(), hostPorts: store });
  const resolver = new RuntimeResolver(store, { docker: runtime });
  const project = await store.createProject({ name: `bench-observe-${Date.now().toString(36)}` });
  const environment = await store.createEnvironment({ projectId: project.id, name: 'bench', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  return {
    store,
    docker,
    runtime,
    resolver,
    environmentId: environment.id,
    projectId: project.id,
    close: async () => {
      await removeEnvironmentResources(docker, environment.id);
      await runtime.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function newService(s: Setup, name: string): Promise<string> {
  const service = await s.store.createService({
    environmentId: s.environmentId,
    name,
    type: 'container',
    source: { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } },
    settings: DEFAULT_SERVICE_SETTINGS,
  });
  return service.id;
}

function startInstance(s: Setup, serviceId: string, index: number, command: string): Promise<void> {
  return s.docker
    .createContainer({
      Image: testImages.appV1.ref,
      Cmd: ['sh', '-c', command],
      Labels: { [LABEL.managed]: 'true', [LABEL.project]: s.projectId, [LABEL.environment]: s.environmentId, [LABEL.service]: serviceId, [LABEL.instance]: String(index), [LABEL.version]: 'v1' },
      // No network: 500 instances would not fit one bridge network's addresses, and sampling needs none.
      HostConfig: { NetworkMode: 'none', Init: true, Memory: 16 * 1024 * 1024, LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } } },
    })
    .then((c) => c.start());
}

/** Creates `count` sleeping instances (8 at a time) within the time bound; the ids of their services. */
async function instances(s: Setup, count: number, serviceIds: string[], created: { n: number }): Promise<void> {
  const deadline = Date.now() + CREATE_BOUND_MS;
  while (serviceIds.length * PER_SERVICE < count) serviceIds.push(await newService(s, `svc-${serviceIds.length}`));
  const todo: Array<[string, number]> = [];
  for (let i = created.n; i < count; i++) todo.push([serviceIds[Math.floor(i / PER_SERVICE)]!, i % PER_SERVICE]);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    // A failure stops every worker, so nothing is created after the clean-up ran.
    while (next < todo.length && Date.now() < deadline && failure === undefined) {
      const [serviceId, index] = todo[next++]!;
      try {
        await startInstance(s, serviceId, index, 'sleep 3600');
        created.n++;
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (failure !== undefined) throw failure;
  process.stderr.write(`observe: ${created.n} instances running\n`);
}

async function sampling(s: Setup, rows: Row[], notes: string[]): Promise<void> {
  const serviceIds: string[] = [];
  const created = { n: 0 };
  for (const count of COUNTS) {
    await instances(s, count, serviceIds, created);
    const services = serviceIds.slice(0, Math.ceil(created.n / PER_SERVICE));
    const sampler = new MetricsSampler(s.store, s.resolver, () => services, pino({ level: 'silent' }), { intervalMs: 0, retentionMs: 24 * 3600_000, concurrency: 4 });
    await sampler.sampleNow(); // warm-up: first CPU readings, targets resolved
    const cpu: number[] = [];
    const wall: number[] = [];
    let rss = 0;
    process.stderr.write(`observe: sampling ${created.n} instances\n`);
    for (let i = 0; i < CYCLES; i++) {
      const before = process.cpuUsage();
      const start = performance.now();
      await sampler.sampleNow();
      wall.push(performance.now() - start);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
      rss = Math.max(rss, process.memoryUsage().rss);
    }
    const measured = sampler.current().reduce((n, u) => n + (u.memoryBytes > 0 ? 1 : 0), 0);
    const cpuMs = median(cpu);
    const share = (cpuMs / PRODUCTION_INTERVAL_MS) * 100;
    rows.push(
      { what: `sampling ${created.n} instances (${services.length} services): CPU per cycle`, measured: `${ms(cpuMs)} (wall ${ms(median(wall))})`, target: '', verdict: 'info', value: cpuMs, unit: 'ms' },
      { what: `sampling ${created.n} instances: share of a core at one cycle / 15 s`, measured: `${share.toFixed(2)} %`, target: 'a few %', verdict: share <= 5 ? 'met' : 'missed', value: share, unit: '%' },
      { what: `sampling ${created.n} instances: RSS`, measured: `${Math.round(rss / 2 ** 20)} MB`, target: '', verdict: 'info', value: rss, unit: 'bytes' },
    );
    if (created.n < count) notes.push(`only ${created.n} of ${count} instances were created within ${CREATE_BOUND_MS / 1000} s`);
    if (measured < services.length) notes.push(`${services.length - measured} of ${services.length} services had no figure in the last cycle`);
  }
}

async function loudFollower(s: Setup, rows: Row[]): Promise<void> {
  const serviceId = await newService(s, 'loud');
  await startInstance(s, serviceId, 0, LOUD);
  const controller = new AbortController();
  const lines = await serviceLogs(s.resolver, s.store, serviceId, { follow: true, tail: 0, signal: controller.signal });
  const latencies: number[] = [];
  let received = 0;
  let rss = 0;
  const memory = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 200);
  const rssBefore = process.memoryUsage().rss;
  const before = process.cpuUsage();
  const start = performance.now();
  const stop = setTimeout(() => controller.abort(), LOG_SECONDS * 1000);
  for await (const line of lines) {
    received++;
    // Docker stamps a line as it reads it from the app: the printed-to-received latency.
    if (received % 100 === 0) latencies.push(Date.now() - Date.parse(`${line.ts.slice(0, 23)}Z`));
    if (controller.signal.aborted) break;
  }
  clearTimeout(stop);
  clearInterval(memory);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(before);
  const cpuShare = ((used.user + used.system) / 1000 / (seconds * 1000)) * 100;
  latencies.sort((a, b) => a - b);
  const p = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  rows.push(
    { what: 'follower of a loud service: lines received per second', measured: `${Math.round(received / seconds)}`, target: '≈ 10,000', verdict: 'info', value: received / seconds, unit: 'lines/s' },
    { what: 'follower: control-plane CPU (share of one core)', measured: `${cpuShare.toFixed(1)} %`, target: '', verdict: 'info', value: cpuShare, unit: '%' },
    { what: 'follower: RSS before → peak', measured: `${Math.round(rssBefore / 2 ** 20)} → ${Math.round(rss / 2 ** 20)} MB`, target: 'no growth with volume', verdict: rss - rssBefore < 64 * 2 ** 20 ? 'met' : 'missed', value: rss - rssBefore, unit: 'bytes' },
    { what: 'line printed → received: p50 / p99', measured: `${ms(p(0.5))} / ${ms(p(0.99))}`, target: '< 2000 ms', verdict: p(0.99) < 2000 ? 'met' : 'missed', value: p(0.99), unit: 'ms' },
  );
}

export async function observeBench(): Promise<Omit<BenchResult, 'durationMs'>> {
  const rows: Row[] = [];
  const notes: string[] = [
    'The control plane is this process: the engine\'s sampler (MetricsSampler) and log reader (serviceLogs, the HTTP route\'s engine call) on the real Docker runtime and a SQLite store.',
    `Sampling: ${CYCLES} cycles back to back after a warm-up, median CPU time (user + system) of a cycle; one cycle per 15 s in production.`,
    `Logs: one container printing 1,000 lines per 0.1 s, followed for ${LOG_SECONDS} s; latency from Docker's timestamp of a line to its arrival (every 100th line).`,
  ];
  const s = await setup();
  try {
    await sampling(s, rows, notes);
    await loudFollower(s, rows);
  } finally {
    await s.close();
  }
  return { name: 'observe', title: 'Observing what runs', rows, notes };
}
