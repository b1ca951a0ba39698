import type Docker from 'dockerode';
import type { Probe } from '../../domain/model.js';
import { instanceIp, isNotFound } from './instance-ip.js';
import type { InstanceLabels } from './names-and-labels.js';
import { runProbe } from './probes.js';

/**
 * Keeps watching the instances a rollout (or start()) handed over: re-probes readiness and
 * liveness on their periods, reports readiness changes (the runtime then adds the instance to
 * the edge or drains it), and restarts an instance whose liveness probe failed
 * failureThreshold times in a row. Without a readiness probe, running for 5 s counts as ready.
 *
 * Whether the process still runs, restarted, or has a new IP is read by inspecting the
 * container. While Docker's event stream is live, an event pokes the instance (checkNow) and
 * the ticks only probe, inspecting again every RECHECK_MS in case an event was missed: 500
 * instances are not 250 inspects a second on the engine.
 */

export const NO_PROBE_READY_AFTER_MS = 5000;
const DEFAULT_TICK_MS = 2000;
const RECHECK_MS = 30_000;

export interface TrackedInstance {
  id: string;
  labels: InstanceLabels;
  ip: string | null;
  ready: boolean;
  /** Restarts this monitor did (liveness); Docker's RestartCount does not count them. */
  livenessRestarts: number;
}

interface State extends TrackedInstance {
  readinessFailures: number;
  livenessFailures: number;
  /** Docker's State.StartedAt last seen; a new value means the process started again. */
  startedAt: string | null;
  runningSinceMs: number | null;
  /** When the container was last inspected; forced again by `stale`. */
  inspectedAtMs: number;
  stale: boolean;
  nextReadinessMs: number;
  nextLivenessMs: number;
  timer: NodeJS.Timeout | null;
  ticking: Promise<void> | null;
  forgotten: boolean;
}

export interface MonitorCallbacks {
  /** Readiness of a tracked instance changed (also called once by track() with ready=true). */
  onReadyChange(instance: TrackedInstance): void;
  log?(message: string): void;
  /** Whether Docker's events about these containers reach checkNow now; without it, every tick inspects. */
  eventsLive?(): boolean;
}

export class InstanceMonitor {
  private readonly instances = new Map<string, State>();
  private closed = false;

  constructor(
    private readonly docker: Docker,
    private readonly callbacks: MonitorCallbacks,
  ) {}

  /**
   * Starts watching an instance. `ready: true` when the caller just saw it pass its
   * readiness check (a rollout); false when it must first pass one here (start()).
   */
  track(id: string, labels: InstanceLabels, initial: { ready: boolean; ip: string | null; startedAt: string | null }): void {
    if (this.closed) return;
    this.forget(id);
    const now = Date.now();
    const state: State = {
      id,
      labels,
      ip: initial.ip,
      ready: initial.ready,
      livenessRestarts: 0,
      readinessFailures: 0,
      livenessFailures: 0,
      startedAt: initial.startedAt,
      runningSinceMs: initial.startedAt ? Date.parse(initial.startedAt) || now : null,
      inspectedAtMs: 0,
      stale: true,
      nextReadinessMs: now,
      nextLivenessMs: now + (labels.healthchecks.liveness?.initialDelaySeconds ?? 0) * 1000,
      timer: null,
      ticking: null,
      forgotten: false,
    };
    this.instances.set(id, state);
    if (initial.ready) this.callbacks.onReadyChange(snapshot(state));
    this.schedule(state, tickMs(labels));
  }

  /** Stops watching (the instance is being removed); no callback. */
  forget(id: string): void {
    const state = this.instances.get(id);
    if (!state) return;
    state.forgotten = true;
    if (state.timer) clearTimeout(state.timer);
    this.instances.delete(id);
  }

  get(id: string): TrackedInstance | undefined {
    const state = this.instances.get(id);
    return state ? snapshot(state) : undefined;
  }

  list(serviceId?: string): TrackedInstance[] {
    return [...this.instances.values()].filter((s) => serviceId === undefined || s.labels.serviceId === serviceId).map(snapshot);
  }

  /** Checks the instance now, inspecting it (Docker said something happened to it); resolves when checked. */
  async checkNow(id: string): Promise<void> {
    const state = this.instances.get(id);
    if (!state) return;
    state.stale = true;
    // A check under way may have gone by what it knew before: check again once it is done.
    await state.ticking;
    if (state.forgotten) return;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    state.nextReadinessMs = Math.min(state.nextReadinessMs, Date.now());
    await this.tick(state);
  }

  /** Every instance is inspected at its next tick (events may have been missed: the stream was reopened). */
  resync(): void {
    for (const state of this.instances.values()) state.stale = true;
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.instances.keys()]) this.forget(id);
  }

  private schedule(state: State, ms: number): void {
    if (state.forgotten || this.closed) return;
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = null;
      void this.tick(state);
    }, ms);
    state.timer.unref();
  }

  private tick(state: State): Promise<void> {
    // One check at a time per instance (checkNow waits for one under way, then checks again).
    if (!state.ticking) {
      state.ticking = this.check(state)
        .catch((error: unknown) => this.callbacks.log?.(`monitor: checking ${state.id.slice(0, 12)} failed: ${(error as Error).message}`))
        .finally(() => {
          state.ticking = null;
          this.schedule(state, tickMs(state.labels));
        });
    }
    return state.ticking;
  }

  private async check(state: State): Promise<void> {
    const now = Date.now();
    const inspect = state.stale || !(this.callbacks.eventsLive?.() ?? false) || now - state.inspectedAtMs >= RECHECK_MS;
    if (inspect && !(await this.inspect(state, now))) return;
    if (state.runningSinceMs === null) return this.setReady(state, false);

    const { readiness, liveness } = state.labels.healthchecks;
    if (!readiness) {
      this.setReady(state, now - state.runningSinceMs >= NO_PROBE_READY_AFTER_MS);
    } else if (now >= state.nextReadinessMs) {
      state.nextReadinessMs = now + periodMs(readiness);
      const ok = await runProbe(this.docker, readiness, { containerId: state.id, ip: state.ip });
      if (state.forgotten) return;
      if (ok) {
        state.readinessFailures = 0;
        this.setReady(state, true);
      } else if (++state.readinessFailures >= Math.max(1, readiness.failureThreshold) || !state.ready) {
        this.setReady(state, false);
      }
    }

    if (liveness && now >= state.nextLivenessMs) {
      state.nextLivenessMs = now + periodMs(liveness);
      const ok = await runProbe(this.docker, liveness, { containerId: state.id, ip: state.ip });
      if (state.forgotten) return;
      state.livenessFailures = ok ? 0 : state.livenessFailures + 1;
      if (state.livenessFailures >= Math.max(1, liveness.failureThreshold)) {
        this.callbacks.log?.(`instance ${state.id.slice(0, 12)} failed its liveness probe ${state.livenessFailures} times: restarting it`);
        state.livenessFailures = 0;
        state.livenessRestarts += 1;
        this.setReady(state, false);
        await this.docker.getContainer(state.id).restart({ t: 10 });
      }
    }
  }

  /**
   * Reads whether the process runs, since when, and at which IP. False when there is nothing
   * left to check: the container is gone (forgotten) or was forgotten meanwhile.
   */
  private async inspect(state: State, now: number): Promise<boolean> {
    state.stale = false;
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(state.id).inspect();
    } catch (error) {
      state.stale = true;
      if (isNotFound(error)) {
        this.setReady(state, false);
        this.forget(state.id);
        return false;
      }
      throw error;
    }
    if (state.forgotten) return false;
    state.inspectedAtMs = now;
    if (!info.State.Running || info.State.Restarting) {
      state.runningSinceMs = null;
      return true;
    }
    if (info.State.StartedAt !== state.startedAt || state.runningSinceMs === null) {
      // The process started again (restart policy, or our liveness restart): ready only once it proves it.
      state.startedAt = info.State.StartedAt;
      state.runningSinceMs = Date.parse(info.State.StartedAt) || now;
      state.readinessFailures = 0;
      state.livenessFailures = 0;
      state.nextReadinessMs = state.runningSinceMs + (state.labels.healthchecks.readiness?.initialDelaySeconds ?? 0) * 1000;
      state.nextLivenessMs = state.runningSinceMs + (state.labels.healthchecks.liveness?.initialDelaySeconds ?? 0) * 1000;
      this.setReady(state, false);
    }
    const ip = instanceIp(info, state.labels.environmentId);
    if (ip !== state.ip) {
      state.ip = ip;
      if (state.ready) this.callbacks.onReadyChange(snapshot(state));
    }
    return true;
  }

  private setReady(state: State, ready: boolean): void {
    if (state.ready === ready || state.forgotten) return;
    state.ready = ready;
    this.callbacks.onReadyChange(snapshot(state));
  }
}

function periodMs(probe: Probe): number {
  return Math.max(1, probe.periodSeconds) * 1000;
}

function tickMs(labels: InstanceLabels): number {
  const periods = [labels.healthchecks.readiness, labels.healthchecks.liveness].filter((p): p is Probe => p !== undefined).map(periodMs);
  return Math.min(DEFAULT_TICK_MS, ...periods);
}

function snapshot(state: State): TrackedInstance {
  return { id: state.id, labels: state.labels, ip: state.ip, ready: state.ready, livenessRestarts: state.livenessRestarts };
}
