import type { Logger } from 'pino';
import type { RunningState, Service } from '../domain/index.js';
import type { Store } from '../store/store.js';
import type { EventBus } from './events.js';
import type { EnvironmentTarget, Runtime, ServiceTarget } from '../runtime/runtime.js';
import type { RuntimeResolver } from './runtime-resolver.js';

/** Where a service runs: what observing it needs. */
export interface ServicePlacement {
  runtime: Runtime;
  target: ServiceTarget;
  projectId: string;
}

const NOTHING_RUNS: RunningState = { status: 'STOPPED', instances: [] };
const NOT_OBSERVED: RunningState = { status: 'UNKNOWN', instances: [] };

/**
 * The running status of every service as last observed from its runtime
 * (docs/statuses.md#running-status), kept in memory so reads never wait on the runtime.
 * Refreshed when the runtime reports a change, after every action (before the service's move to
 * its result), and by a periodic sweep of the services seen so far: an environment at a time
 * where the runtime can observe one at once (one listing, not one per service).
 */
export class RunningStates {
  private readonly states = new Map<string, RunningState>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Per service, the number of the observation its state comes from: observations are numbered as they start. */
  private readonly appliedObservation = new Map<string, number>();
  private observations = 0;
  /** Where each service seen so far runs, for the sweep to group them by environment. */
  private readonly placement = new Map<string, ServicePlacement>();
  private readonly unwatch: Array<() => void> = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly store: Store,
    private readonly runtimes: RuntimeResolver,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly options: { waitMs: number },
  ) {}

  get(service: Pick<Service, 'id' | 'status'>): RunningState {
    const known = this.states.get(service.id);
    if (known) return known;
    return service.status === 'READY' || service.status === 'DELETED' ? NOTHING_RUNS : NOT_OBSERVED;
  }

  /** The services last observed with instances (running or not): the ones metrics are sampled for. */
  withInstances(): string[] {
    const ids: string[] = [];
    for (const [id, state] of this.states) if (state.instances.length > 0) ids.push(id);
    return ids;
  }

  /**
   * Observes one service now and publishes its running state if it changed. `placed`: where it
   * runs, when the caller knows (a running deployment); else it is looked up in the store.
   */
  async refresh(serviceId: string, placed?: ServicePlacement): Promise<RunningState | undefined> {
    const observation = ++this.observations;
    const resolved = placed ?? (await this.runtimes.forService(serviceId));
    if (!resolved) {
      this.forget(serviceId);
      return undefined;
    }
    const { runtime, target, projectId } = resolved;
    this.placement.set(serviceId, { runtime, target, projectId });
    const state = await observeSafely(runtime.observe.bind(runtime), target);
    return this.apply(serviceId, projectId, target.environmentId, state, observation);
  }

  /**
   * refresh, waited for at most options.waitMs and never throwing: a runtime that does not
   * answer holds nobody up (its answer, when it comes, is still kept unless a newer one was).
   */
  async refreshWithin(serviceId: string, placed?: ServicePlacement): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.waitMs);
    });
    await Promise.race([this.refresh(serviceId, placed).then(() => undefined, () => undefined), waited]);
    clearTimeout(timer);
  }

  /** Keeps a state observed, and publishes it if it changed; unless a newer observation was kept already. */
  private apply(serviceId: string, projectId: string, environmentId: string, state: RunningState, observation: number): RunningState | undefined {
    // One started earlier that ends later saw an older runtime: it must not undo a newer one
    // (a sweep that saw an instance starting, ending after the deploy's own look at it ready).
    if ((this.appliedObservation.get(serviceId) ?? 0) > observation) return this.states.get(serviceId);
    this.appliedObservation.set(serviceId, observation);
    const before = this.states.get(serviceId);
    this.states.set(serviceId, state);
    if (JSON.stringify(before) !== JSON.stringify(state)) {
      this.events.publish({ type: 'service.running', projectId, environmentId, serviceId, runningState: state });
    }
    return state;
  }

  /**
   * Every service seen so far, observed again. Those whose runtime observes an environment at
   * once are observed that way, one environment after the other; the others one by one.
   */
  async sweep(): Promise<void> {
    // A sweep longer than the interval is not overlapped by the next one.
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.observeAll();
    } finally {
      this.sweeping = false;
    }
  }

  private async observeAll(): Promise<void> {
    const groups = new Map<string, { runtime: Runtime; env: EnvironmentTarget; projectId: string; serviceIds: string[] }>();
    for (const serviceId of this.states.keys()) {
      const placed = this.placement.get(serviceId);
      if (!placed?.runtime.observeEnvironment) {
        this.refreshSoon(serviceId);
        continue;
      }
      const key = placed.target.environmentId;
      const group = groups.get(key);
      if (group && group.runtime === placed.runtime) group.serviceIds.push(serviceId);
      else if (group) this.refreshSoon(serviceId);
      else groups.set(key, { runtime: placed.runtime, env: placed.target, projectId: placed.projectId, serviceIds: [serviceId] });
    }
    for (const { runtime, env, projectId, serviceIds } of groups.values()) {
      const observation = ++this.observations;
      const observed = await runtime.observeEnvironment!(env, serviceIds).catch(() => new Map<string, RunningState>());
      for (const serviceId of serviceIds) {
        // Forgotten meanwhile (deleted): not brought back.
        if (!this.placement.has(serviceId)) continue;
        this.apply(serviceId, projectId, env.environmentId, observed.get(serviceId) ?? NOT_OBSERVED, observation);
      }
    }
  }

  forget(serviceId: string): void {
    this.states.delete(serviceId);
    this.appliedObservation.delete(serviceId);
    this.placement.delete(serviceId);
  }

  /** Debounced refresh, for bursts of runtime events. */
  refreshSoon(serviceId: string): void {
    if (this.pending.has(serviceId)) return;
    this.pending.set(
      serviceId,
      setTimeout(() => {
        this.pending.delete(serviceId);
        this.refresh(serviceId).catch((err: unknown) => this.logger.warn({ err, serviceId }, 'running state refresh failed'));
      }, 200),
    );
  }

  async start(options: { sweepMs: number }): Promise<void> {
    for (const runtime of this.runtimes.all()) this.unwatch.push(runtime.watch((id) => this.refreshSoon(id)));
    // Every service that ever ran is observed once at start; later sweeps cover the ones seen.
    // Their ids alone, in one query: 100,000 services are not read whole to find them.
    for (const id of await this.store.serviceIdsNotReady()) this.refreshSoon(id);
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.warn({ err }, 'running state sweep failed'));
    }, options.sweepMs);
    this.sweepTimer.unref();
  }

  stop(): void {
    for (const off of this.unwatch.splice(0)) off();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}

async function observeSafely(observe: (t: ServiceTarget) => Promise<RunningState>, target: ServiceTarget): Promise<RunningState> {
  try {
    return await observe(target);
  } catch {
    return NOT_OBSERVED;
  }
}
