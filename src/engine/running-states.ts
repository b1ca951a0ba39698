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
  /** Services a runtime reported changed, refreshed together when soonTimer fires. */
  private readonly soon = new Set<string>();
  private soonTimer: NodeJS.Timeout | undefined;
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
    const { together, alone } = groupByEnvironment([...this.states.keys()].flatMap((id) => {
      const placed = this.placement.get(id);
      return placed ? [{ serviceId: id, placed }] : [];
    }));
    for (const { serviceId } of alone) this.refreshSoon(serviceId);
    for (const group of together) await this.observeTogether(group);
  }

  /** One look at an environment for several of its services; a service forgotten meanwhile (deleted) is not brought back. */
  private async observeTogether({ placed, serviceIds }: EnvironmentGroup): Promise<void> {
    const { runtime, target, projectId } = placed;
    const observation = ++this.observations;
    const observed = await runtime.observeEnvironment!(target, serviceIds).catch(() => new Map<string, RunningState>());
    for (const serviceId of serviceIds) {
      if (!this.placement.has(serviceId)) continue;
      this.apply(serviceId, projectId, target.environmentId, observed.get(serviceId) ?? NOT_OBSERVED, observation);
    }
  }

  forget(serviceId: string): void {
    this.states.delete(serviceId);
    this.appliedObservation.delete(serviceId);
    this.placement.delete(serviceId);
  }

  /**
   * Debounced refresh, for bursts of runtime events: the services reported within 200 ms are
   * looked up then (a deleted one is forgotten) and observed, several of one environment
   * together where the runtime can (one listing rather than one per service).
   */
  refreshSoon(serviceId: string): void {
    this.soon.add(serviceId);
    this.soonTimer ??= setTimeout(() => {
      this.soonTimer = undefined;
      const ids = [...this.soon];
      this.soon.clear();
      this.refreshMany(ids).catch((err: unknown) => this.logger.warn({ err }, 'running state refresh failed'));
    }, 200);
  }

  private async refreshMany(serviceIds: readonly string[]): Promise<void> {
    const found: PlacedService[] = [];
    for (const serviceId of serviceIds) {
      try {
        const placed = await this.runtimes.forService(serviceId);
        if (!placed) {
          this.forget(serviceId);
          continue;
        }
        this.placement.set(serviceId, placed);
        found.push({ serviceId, placed });
      } catch (err) {
        this.logger.warn({ err, serviceId }, 'running state refresh failed');
      }
    }
    const { together, alone } = groupByEnvironment(found);
    await Promise.all([
      ...together.map((group) => this.observeTogether(group)),
      ...alone.map(({ serviceId, placed }) => this.refresh(serviceId, placed).catch((err: unknown) => this.logger.warn({ err, serviceId }, 'running state refresh failed'))),
    ]);
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
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.soonTimer = undefined;
    this.soon.clear();
  }
}

interface PlacedService {
  serviceId: string;
  placed: ServicePlacement;
}

interface EnvironmentGroup {
  placed: ServicePlacement;
  serviceIds: string[];
}

/** Services whose runtime observes an environment at once, grouped by environment; the others alone. */
function groupByEnvironment(services: readonly PlacedService[]): { together: EnvironmentGroup[]; alone: PlacedService[] } {
  const groups = new Map<string, EnvironmentGroup>();
  const alone: PlacedService[] = [];
  for (const service of services) {
    const { placed, serviceId } = service;
    const group = placed.runtime.observeEnvironment ? groups.get(placed.target.environmentId) : undefined;
    if (!placed.runtime.observeEnvironment || (group && group.placed.runtime !== placed.runtime)) alone.push(service);
    else if (group) group.serviceIds.push(serviceId);
    else groups.set(placed.target.environmentId, { placed, serviceIds: [serviceId] });
  }
  return { together: [...groups.values()], alone };
}

async function observeSafely(observe: (t: ServiceTarget) => Promise<RunningState>, target: ServiceTarget): Promise<RunningState> {
  try {
    return await observe(target);
  } catch {
    return NOT_OBSERVED;
  }
}
