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
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { EdgeProxy } from '../../src/runtime/docker/edge-proxy.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { CallTimes, timeDockerCalls, timed } from './call-times.js';
import { InstantRuntime } from './instant-runtime.js';

/**
 * An Engine on a fresh SQLite store in a temporary directory, wired as src/app.ts wires it
 * (default engine options), on either the real Docker runtime or the instant stub. Every
 * runtime call, Docker Engine API call and store call is timed into `times`.
 *
 * One departure from app.ts: the Docker runtime's start() (which adopts every Slipway
 * container already on the engine) is skipped, because the Docker Engine here is shared with
 * other people's test runs and adopting their containers would probe, route and possibly
 * restart them. The event stream (watch) still runs as in production.
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

export async function benchEngine(kind: 'docker' | 'instant'): Promise<BenchEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
  const times = new CallTimes();
  const rawStore = await createStore({ dataDir: dir, secretKey: 'bench-key' });
  const store = timed(rawStore, 'store', times);
  let runtime: Runtime;
  let docker: Docker | undefined;
  let proxy: EdgeProxy | undefined;
  if (kind === 'docker') {
    docker = new Docker();
    timeDockerCalls(docker, times);
    proxy = new EdgeProxy({ bindHost: '127.0.0.1' });
    const real = new DockerRuntime({ docker, proxy, hostPorts: rawStore });
    runtime = timed<Runtime>(real, 'runtime', times, { start: async () => undefined });
  } else {
    runtime = timed<Runtime>(new InstantRuntime(), 'runtime', times);
  }
  const engine = new Engine(store, { docker: runtime }, pino({ level: 'silent' }));
  await engine.start();
  const events = new EventLog(engine);
  return {
    store,
    engine,
    times,
    events,
    ...(docker ? { docker } : {}),
    close: async () => {
      events.close();
      await engine.close();
      await proxy?.close();
      await rawStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Stamped {
  at: number;
  event: SlipwayEvent;
}

const ENDED: ReadonlySet<DeploymentRunStatus> = new Set(['SUCCESS', 'ERROR', 'CANCELED', 'SKIPPED']);

/** Every engine event with the time it was published (performance.now()), and waits on them. */
export class EventLog {
  readonly entries: Stamped[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(engine: Engine) {
    this.unsubscribe = engine.events.subscribe((event) => {
      this.entries.push({ at: performance.now(), event });
      for (const wake of this.waiters) wake();
    });
  }

  close(): void {
    this.unsubscribe();
  }

  /** Resolves when the deployment has ended (event seen), rejects after timeoutMs. */
  async ended(deploymentId: string, timeoutMs: number): Promise<{ at: number; status: DeploymentRunStatus; message: string | null }> {
    const find = (): Stamped | undefined =>
      this.entries.find((e) => e.event.type === 'deployment.status' && e.event.deploymentId === deploymentId && ENDED.has(e.event.status));
    const found = find() ?? (await this.waitFor(find, timeoutMs, `deployment ${deploymentId} to end`));
    const event = found.event as Extract<SlipwayEvent, { type: 'deployment.status' }>;
    return { at: found.at, status: event.status, message: event.message };
  }

  /** When the last of these services reached `status` after `since`; null if one never did. */
  lastStatusAt(serviceIds: readonly string[], status: DeploymentStatus, since: number): number | null {
    let last = 0;
    for (const id of serviceIds) {
      const hit = this.entries.find((e) => e.at >= since && e.event.type === 'service.status' && e.event.serviceId === id && e.event.status === status);
      if (!hit) return null;
      last = Math.max(last, hit.at);
    }
    return last;
  }

  private waitFor(find: () => Stamped | undefined, timeoutMs: number, what: string): Promise<Stamped> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        const hit = find();
        if (!hit) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(hit);
      };
      this.waiters.add(check);
      check();
    });
  }
}

/** Submits an action and waits until its deployment ended; times from the call to the end. */
export async function runAction(
  bench: BenchEngine,
  input: Omit<SubmitInput, 'origin' | 'triggeredBy' | 'queue'>,
  timeoutMs: number,
): Promise<{ deploymentId: string; startedAt: number; endedAt: number; status: DeploymentRunStatus; message: string | null }> {
  const startedAt = performance.now();
  const { deploymentId } = await bench.engine.submit({ ...input, origin: 'API', triggeredBy: 'bench', queue: true });
  const end = await bench.events.ended(deploymentId, timeoutMs);
  return { deploymentId, startedAt, endedAt: end.at, status: end.status, message: end.message };
}
