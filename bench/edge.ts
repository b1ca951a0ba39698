/**
 * The edge under load (docs/edge.md): Caddy in its own container (CaddyEdge, with the test Caddy
 * image; skipped with a line saying so when that image is not built). The in-process Node proxy
 * measured beside it until it was removed is gone; its figures stay in docs/performance.md. On
 * the real Docker runtime, 3 instances of the test app with a public http port; 10 clients from
 * this process (bench/support/http-load.ts):
 *
 * 1. straight to one instance (its container IP, as the rollout bench polls it), then through
 *    the edge: requests/s, p50/p99; the same with an app that keeps its connections open
 *    (Caddy's `respond`, from the test Caddy image), where the p99 target is judged, and once
 *    more to the edge container's IP, which leaves out Docker's port forwarding;
 * 2. through the edge while a rolling redeploy replaces all 3 instances (v1 → v2): failed
 *    requests (errors, timeouts, non-2xx);
 * 3. through the edge while the control plane goes away and comes back: the runtime and its
 *    edge client are closed under load (the edge container stays), a new one is started 5 s
 *    later, and the load runs 5 s more. An in-process stand-in for SIGKILL; the real one is
 *    test/integration/e2e/edge-sigkill.test.ts.
 *
 * Each phase lasts BENCH_EDGE_SECONDS (default 10; phase 2 longer if the redeploy is not done
 * by then). Everything created (containers, network, the Caddy container and its volumes, a
 * temporary directory) is removed at the end, also when a phase throws. Traffic goes only to
 * 127.0.0.1 and to the containers created here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { specHash, type DesiredSpec } from '../src/domain/index.js';
import { CaddyEdge } from '../src/runtime/docker/caddy-edge.js';
import { DockerRuntime, type HostPortAllocator } from '../src/runtime/docker/docker-runtime.js';
import type { Edge } from '../src/runtime/docker/edge.js';
import { LABEL, networkName } from '../src/runtime/docker/names-and-labels.js';
import type { OperationContext, RolloutSpec, ServiceTarget } from '../src/runtime/runtime.js';
import { APP_PORT, testImages } from '../test/support/images.js';
import { memoryHostPorts } from '../test/integration/docker-runtime-fixture.js';
import { removeEnvironmentResources } from './support/docker-cleanup.js';
import { removeTestEdge } from '../test/support/test-edge.js';
import { freePort } from '../test/support/free-port.js';
import { describeLoad, sleep, underLoad, type LoadFigures } from './support/http-load.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';

const SECONDS = Number(process.env.BENCH_EDGE_SECONDS ?? 10);
const CONNECTIONS = 10;
const INSTANCES = 3;
/** Phase 3: load before the control plane goes, how long it stays away, load after it is back. */
const LEAD_SECONDS = 2;
const AWAY_SECONDS = 5;
const BACK_SECONDS = 5;
const P99_TARGET_MS = 5;

/** Row names start with it, as when two edges were measured: results stay comparable. */
const LABEL_OF_EDGE = 'Caddy';

/** BENCH_EDGE_VERBOSE=1 prints the runtime's and the edge's messages and the deploy logs. */
const verbose = (message: string): void => {
  if (process.env.BENCH_EDGE_VERBOSE) process.stderr.write(`[edge bench] ${message}\n`);
};
/** Nothing cancels a deploy here; its log goes to verbose(). */
const quiet = (): OperationContext => ({ signal: new AbortController().signal, log: (_level, message) => verbose(message) });

function spec(image: string, version: string, command?: string[]): RolloutSpec {
  const desired: DesiredSpec = {
    image,
    ...(command ? { command } : {}),
    instances: INSTANCES,
    // Both cores: a CPU quota would throttle a busy instance for the rest of each 100 ms CFS
    // period, and those pauses, not the edge, would make the tail.
    cpu: 2000,
    memoryMb: 64,
    env: {},
    ports: [{ containerPort: APP_PORT, public: true, protocol: 'http' }],
    healthchecks: { readiness: { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } },
    storage: [],
  };
  return { ...desired, specHash: specHash(desired), version, startTimeoutSeconds: 30 };
}

/** One Slipway control plane as far as the edge goes: a runtime and the edge it drives. */
interface ControlPlane {
  runtime: DockerRuntime;
  close(): Promise<void>;
}

/** Where the bench sends its load through the edge, and how to start a control plane for it. */
interface EdgeSetup {
  url(): Promise<string>;
  /** The host name the edge serves a service of the bench under. */
  hostOf(target: ServiceTarget): string;
  /** The edge container. */
  containerName: string;
  start(): Promise<ControlPlane>;
  /** Removes what outlives a control plane (the Caddy container). */
  dispose(): Promise<void>;
}

function runtimeOf(docker: Docker, edge: Edge, hostPorts: HostPortAllocator, targets: ServiceTarget[]): DockerRuntime {
  // Only this bench's services: other runs share the Docker Engine, and start() adopts what it owns.
  const owned = new Set(targets.map((t) => t.serviceId));
  return new DockerRuntime({ docker, edge, hostPorts, publicHost: '127.0.0.1', owns: async (id) => owned.has(id), log: verbose });
}

async function caddySetup(docker: Docker, targets: ServiceTarget[], runDir: string): Promise<EdgeSetup> {
  // Only public tcp ports take a host port, and the bench's services have none.
  const hostPorts = memoryHostPorts();
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const name = `slipway-bench-edge-${process.pid}`;
  const hostOf = (target: ServiceTarget): string => `${target.serviceName}-${target.environmentName}-${target.projectName}.localhost`;
  return {
    url: async () => `http://127.0.0.1:${httpPort}/`,
    hostOf,
    containerName: name,
    start: async () => {
      const edge = new CaddyEdge({
        docker,
        image: testImages.caddy.ref,
        name,
        httpPort,
        httpsPort,
        bindHost: '127.0.0.1',
        runDir,
        hostsOf: async (serviceId) => targets.filter((t) => t.serviceId === serviceId).map(hostOf),
        log: verbose,
      });
      await edge.start();
      if (!edge.status().available) throw new Error(`the Caddy edge did not come up: ${edge.status().message}`);
      const runtime = runtimeOf(docker, edge, hostPorts, targets);
      await runtime.start();
      return {
        runtime,
        // Slipway gone: its runtime and its client of the edge; the edge container stays.
        close: async () => {
          await runtime.close();
          await edge.close();
        },
      };
    },
    dispose: () => removeTestEdge(name),
  };
}

async function containerIp(docker: Docker, name: string, network: string): Promise<string> {
  const info = await docker.getContainer(name).inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new Error(`${name} has no address on ${network}`);
  return ip;
}

/** The container IP of one running instance, on the environment's network. */
async function oneInstanceUrl(docker: Docker, target: ServiceTarget): Promise<string> {
  const [first] = await docker.listContainers({ filters: { label: [`${LABEL.service}=${target.serviceId}`], status: ['running'] } });
  const ip = first?.NetworkSettings.Networks[networkName(target.environmentId)]?.IPAddress;
  if (!ip) throw new Error('no running instance with an address on the environment network');
  return `http://${ip}:${APP_PORT}/`;
}

/** One GET naming the host (fetch() would not send a Host header): "status body", or the error. */
function get(url: string, host: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { headers: host ? { host } : {}, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(`${res.statusCode} ${body.trim().slice(0, 80)}`));
      res.on('error', (error) => resolve(error.message));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(error.message));
  });
}

/** Polls (every 100 ms, at most 30 s) until the url answers 200 with the body. */
async function waitServing(url: string, host: string | undefined, body: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const last = await get(url, host);
    if (last === `200 ${body}`) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer "${body}" within 30 s; last: ${last}`);
    await sleep(100);
  }
}

async function versionsOf(docker: Docker, target: ServiceTarget): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.service}=${target.serviceId}`] } });
  return containers.map((c) => c.Labels[LABEL.version] ?? '?').sort();
}

function row(what: string, f: LoadFigures, target: string, met: boolean | undefined, extra = ''): Row {
  const measured = `${describeLoad(f)}${extra}`;
  if (met === undefined) return { what, measured, target, verdict: 'info', value: f.requestsPerSecond, unit: 'req/s' };
  const failures = target.includes('failed');
  return { what, measured, target, verdict: verdict(met), value: failures ? f.failed : f.p99, unit: failures ? 'failed requests' : 'ms' };
}

async function measureEdge(docker: Docker, projectId: string, runDir: string): Promise<Row[]> {
  const label = LABEL_OF_EDGE;
  const serviceOf = (name: string): ServiceTarget => ({
    projectId,
    projectName: 'bench',
    environmentId: `${projectId}-caddy`,
    environmentName: 'caddy',
    serviceId: `${projectId}-caddy-${name}`,
    serviceName: name,
    serviceType: 'container',
  });
  const target = serviceOf('web');
  const keptAlive = serviceOf('kept');
  const setup = await caddySetup(docker, [target, keptAlive], runDir);
  let plane: ControlPlane | undefined;
  try {
    plane = await setup.start();
    const v1 = await plane.runtime.resolveImage(testImages.appV1, quiet());
    const v2 = await plane.runtime.resolveImage(testImages.appV2, quiet());
    await plane.runtime.deploy(target, spec(v1, 'v1'), quiet());
    const url = await setup.url();
    const load = { url, connections: CONNECTIONS, host: setup.hostOf(target) };
    await waitServing(url, load.host, 'v1');
    const rows: Row[] = [];

    // 1. Straight to one instance, then through the edge: the test app (a new connection and a
    // forked httpd per request), then an app that keeps its connections (Caddy's `respond`), which
    // leaves the edge's own cost.
    const direct = await underLoad({ url: await oneInstanceUrl(docker, target), connections: CONNECTIONS }, () => sleep(SECONDS * 1000));
    rows.push(row(`${label}: straight to one instance (container IP)`, direct, '', undefined));
    const through = await underLoad(load, () => sleep(SECONDS * 1000));
    rows.push(row(`${label}: through the edge (${INSTANCES} instances)`, through, 'context: the app closes each connection', undefined));
    const caddy = await plane.runtime.resolveImage(testImages.caddy, quiet());
    await plane.runtime.deploy(keptAlive, spec(caddy, 'v1', ['caddy', 'respond', '--listen', `:${APP_PORT}`, 'v1']), quiet());
    const keptLoad = { url, connections: CONNECTIONS, host: setup.hostOf(keptAlive) };
    await waitServing(url, keptLoad.host, 'v1');
    const keptDirect = await underLoad({ url: await oneInstanceUrl(docker, keptAlive), connections: CONNECTIONS }, () => sleep(SECONDS * 1000));
    rows.push(row(`${label}: straight to one instance of a keep-alive app (container IP)`, keptDirect, '', undefined));
    const keptThrough = await underLoad(keptLoad, () => sleep(SECONDS * 1000));
    rows.push(row(`${label}: through the edge to a keep-alive app (${INSTANCES} instances)`, keptThrough, `p99 < ${P99_TARGET_MS} ms`, keptThrough.p99 < P99_TARGET_MS));
    const edgeIp = await containerIp(docker, setup.containerName, networkName(target.environmentId));
    const keptByIp = await underLoad({ url: `http://${edgeIp}:80/`, connections: CONNECTIONS, host: keptLoad.host }, () => sleep(SECONDS * 1000));
    rows.push(row(`${label}: the same, to the edge container's IP (no Docker port forwarding)`, keptByIp, '', undefined));

    // 2. A rolling redeploy of all instances under load.
    let deployMs = 0;
    const rolling = await underLoad(load, async () => {
      const start = performance.now();
      await sleep(1000);
      await plane!.runtime.deploy(target, spec(v2, 'v2'), quiet());
      deployMs = performance.now() - start - 1000;
      await sleep(Math.max(0, SECONDS * 1000 - (performance.now() - start)));
    });
    const versions = await versionsOf(docker, target);
    if (versions.length !== INSTANCES || versions.some((v) => v !== 'v2')) throw new Error(`after the redeploy the service runs ${versions.join(', ')}`);
    rows.push(row(`${label}: through the edge, rolling redeploy of ${INSTANCES} instances v1 → v2`, rolling, '0 failed requests', rolling.failed === 0, `; redeploy took ${ms(deployMs)}`));

    // 3. The control plane goes away under load and a new one starts 5 s later.
    let restartMs = 0;
    const away = await underLoad(load, async () => {
      await sleep(LEAD_SECONDS * 1000);
      const closing = plane!;
      plane = undefined;
      await closing.close();
      await sleep(AWAY_SECONDS * 1000);
      const start = performance.now();
      plane = await setup.start();
      restartMs = performance.now() - start;
      await sleep(BACK_SECONDS * 1000);
    });
    rows.push(
      row(`${label}: through the edge, control plane closed, a new one ${AWAY_SECONDS} s later`, away, '0 failed requests', away.failed === 0, `; longest time without an answer ${ms(away.longestGapMs)}; new control plane started in ${ms(restartMs)}`),
    );
    return rows;
  } finally {
    await plane?.close().catch(() => undefined);
    await setup.dispose();
    await removeEnvironmentResources(docker, target.environmentId);
  }
}

async function caddyImagePresent(docker: Docker): Promise<boolean> {
  return docker
    .getImage(testImages.caddy.ref)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

export async function edgeBench(): Promise<Omit<BenchResult, 'durationMs'>> {
  const docker = new Docker();
  const projectId = `slipway-bench-edge-${process.pid}-${Date.now().toString(36)}`;
  const runDir = await mkdtemp(join(tmpdir(), 'slipway-bench-edge-'));
  const rows: Row[] = [];
  const notes: string[] = [];
  let error: string | undefined;
  try {
    if (await caddyImagePresent(docker)) {
      rows.push(...(await measureEdge(docker, projectId, runDir)));
    } else {
      notes.push(`Caddy skipped: the test image ${testImages.caddy.ref} is not built (scripts/services/caddy-image.sh builds it).`);
    }
  } catch (e) {
    error = `${LABEL_OF_EDGE}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
  notes.unshift(
    `The real Docker runtime, ${INSTANCES} instances of ${testImages.appV1.ref} (busybox httpd) with a public http port; ${CONNECTIONS} clients in this process, each sending GETs one after the other over a keep-alive connection (bench/support/http-load.ts), sharing the cores with the edge and Docker. Each phase ${SECONDS} s (BENCH_EDGE_SECONDS).`,
    '"Straight to one instance" goes to the container IP on the environment network, bypassing the edge; the test app closes the connection after each answer, so there every request opens a new one (through the edge, the clients keep theirs, and Caddy dials the app anew each time).',
    `The keep-alive app is the test Caddy image running \`caddy respond\` (${INSTANCES} instances, answering "v1"): its connections stay open, so the edge rows with it show the edge's own cost; the p99 target is judged there. Every app may use both cores (no CPU quota, which would pause a busy instance for the rest of each 100 ms period).`,
    'Failed = connection errors (timeouts included) + non-2xx answers. Errors on a reused keep-alive connection closed before any answer are counted apart: browsers, curl and Go\'s client would send those again by themselves. A client waits 10 ms after a failed request before the next, so while nothing answers the count is about 100 per second per client: the longest time without an answer says how long the outage was.',
    `Control plane away: an in-process stand-in for SIGKILL. After ${LEAD_SECONDS} s of load the runtime and its edge client are closed (Caddy's container stays), a new runtime and edge are started ${AWAY_SECONDS} s later and the load runs ${BACK_SECONDS} s more. The real SIGKILL of the server is test/integration/e2e/edge-sigkill.test.ts.`,
  );
  return { name: 'edge', title: 'The edge under load', rows, notes, ...(error ? { error } : {}) };
}
