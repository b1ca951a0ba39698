import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import type { DeploymentRunStatus, DeploymentStatus } from '../../src/domain/index.js';
import type { SubmitInput } from '../../src/engine/control-plane.js';
import { Engine } from '../../src/engine/engine.js';
import type { SlipwayEvent } from '../../src/engine/events.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { RegistryClient } from '../../src/build/registry-client.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { CallTimes, timeDockerCalls, timed } from './call-times.js';
import { InstantRuntime } from './instant-runtime.js';
import { NoPublicPortsEdge } from './no-public-ports-edge.js';
import { timeSqliteStatements } from './sqlite-times.js';

/**
 * An Engine on a fresh SQLite store in a temporary directory, wired as src/app.ts wires it
 * (default engine options), on either the real Docker runtime or the instant stub. Every
 * runtime call, Docker Engine API call, store call and SQLite statement is timed into `times`
 * while `times.enabled`.
 *
 * Two departures from app.ts. The services of these benchmarks have private ports only, so
 * the Docker runtime runs without an edge container (NoPublicPortsEdge). And its start() (which
 * adopts every Slipway container already on the engine) is skipped, because the Docker Engine
 * here is shared with other people's test runs and adopting their containers would probe,
 * route and possibly restart them. The event stream (watch) still runs as in production.
 */
export interface BenchEngine {
  store: Store;
  engine: Engine;
  times: CallTimes;
  events: EventLog;
  /** The Docker client (real runtime only), for clean-up. */
  docker?: Docker;
  close(): Promise<void>;
}

export async function benchEngine(kind: 'docker' | 'instant', instant: { rolloutMs?: number } = {}): Promise<BenchEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
  const times = new CallTimes();
  timeSqliteStatements(times);
  const rawStore = await createStore({ dataDir: dir, secretKey: 'bench-key' });
  const store = timed(rawStore, 'store', times);
  let runtime: Runtime;
  let docker: Docker | undefined;
  if (kind === 'docker') {
    docker = new Docker();
    timeDockerCalls(docker, times);
    runtime = timed<Runtime>(new DockerRuntime({ docker, edge: new NoPublicPortsEdge(), hostPorts: rawStore, registry: timed(new RegistryClient(), 'registry', times) }), 'runtime', times, { start: async () => undefined });
  } else {
    runtime = timed<Runtime>(new InstantRuntime(instant), 'runtime', times);
  }
  const engine = new Engine(store, { docker: runtime }, pino({ level: 'silent' }));
  await engine.start();
  const events = new EventLog(engine);
  const bench: BenchEngine = {
    store,
    engine,
    times,
    events,
    ...(docker ? { docker } : {}),
    close: async () => {
      events.close();
      await engine.close();
      await rawStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return bench;
}

interface Stamped {
  at: number;
  event: SlipwayEvent;
}

const ENDED: ReadonlySet<DeploymentRunStatus> = new Set(['SUCCESS', 'ERROR', 'CANCELED', 'SKIPPED']);

interface End {
  at: number;
  status: DeploymentRunStatus;
  message: string | null;
}

/**
 * Every engine event with the time it was published (performance.now()) since the last
 * clear(), and the end of every deployment. Lookups stay cheap however long the benchmark
 * runs: a benchmark's own bookkeeping must not grow into its figures.
 */
export class EventLog {
  entries: Stamped[] = [];
  private readonly ends = new Map<string, End>();
  private readonly waiters = new Map<string, (end: End) => void>();
  private readonly unsubscribe: () => void;

  constructor(engine: Engine) {
    this.unsubscribe = engine.events.subscribe((event) => {
      const at = performance.now();
      this.entries.push({ at, event });
      if (event.type === 'deployment.status' && ENDED.has(event.status)) {
        const end = { at, status: event.status, message: event.message };
        this.ends.set(event.deploymentId, end);
        this.waiters.get(event.deploymentId)?.(end);
      }
    });
  }

  close(): void {
    this.unsubscribe();
  }

  /** Forgets the events seen so far (not the deployment ends). */
  clear(): void {
    this.entries = [];
  }

  /** Resolves when the deployment has ended, rejects after timeoutMs. */
  ended(deploymentId: string, timeoutMs: number): Promise<End> {
    const known = this.ends.get(deploymentId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(deploymentId);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for deployment ${deploymentId} to end`));
      }, timeoutMs);
      this.waiters.set(deploymentId, (end) => {
        clearTimeout(timer);
        this.waiters.delete(deploymentId);
        resolve(end);
      });
    });
  }

  /** When the last of these services reached `status` after `since`; null if one never did. */
  lastStatusAt(serviceIds: readonly string[], status: DeploymentStatus, since: number): number | null {
    const firstHit = new Map<string, number>();
    for (const { at, event } of this.entries) {
      if (at >= since && event.type === 'service.status' && event.status === status && !firstHit.has(event.serviceId)) firstHit.set(event.serviceId, at);
    }
    let last = 0;
    for (const id of serviceIds) {
      const hit = firstHit.get(id);
      if (hit === undefined) return null;
      last = Math.max(last, hit);
    }
    return last;
  }
}

/** Submits an action and waits until its deployment ended; times from the call to the end. Clears the event log first. */
export async function runAction(
  bench: BenchEngine,
  input: Omit<SubmitInput, 'origin' | 'triggeredBy' | 'queue'>,
  timeoutMs: number,
): Promise<{ deploymentId: string; startedAt: number; endedAt: number; status: DeploymentRunStatus; message: string | null }> {
  bench.events.clear();
  const startedAt = performance.now();
  const { deploymentId } = await bench.engine.submit({ ...input, origin: 'API', triggeredBy: 'bench', queue: true });
  const end = await bench.events.ended(deploymentId, timeoutMs);
  return { deploymentId, startedAt, endedAt: end.at, status: end.status, message: end.message };
}

/**
 * Submits the same action in several environments at once (one request each) and waits until
 * every deployment ended. Clears the event log first; each entry times from its own submit call.
 */
export async function runActions(
  bench: BenchEngine,
  environmentIds: readonly string[],
  action: SubmitInput['action'],
  timeoutMs: number,
): Promise<Array<{ deploymentId: string; startedAt: number; endedAt: number; status: DeploymentRunStatus; message: string | null }>> {
  bench.events.clear();
  return Promise.all(
    environmentIds.map(async (environmentId) => {
      const startedAt = performance.now();
      const { deploymentId } = await bench.engine.submit({ environmentId, action, origin: 'API', triggeredBy: 'bench', queue: true });
      const end = await bench.events.ended(deploymentId, timeoutMs);
      return { deploymentId, startedAt, endedAt: end.at, status: end.status, message: end.message };
    }),
  );
}
