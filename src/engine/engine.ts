import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import {
  DomainError,
  environmentActionAvailability,
  environmentActions,
  planRollback,
  serviceActionAvailability,
  serviceActions,
  type ActionAvailability,
  type DeploymentStatus,
  type RequestedAction,
  type RollbackPlan,
  type RunningRequestView,
  type RunningState,
  type RuntimeKind,
  type Service,
} from '../domain/index.js';
import type { Endpoint, InstanceLogLine, Runtime } from '../runtime/runtime.js';
import type { Deployment, MetricPoint, ServiceState, Store } from '../store/store.js';
import type { Builder } from './builder.js';
import {
  ActionNotAvailableError,
  EnvironmentBusyError,
  type ControlPlane,
  type InstanceView,
  type LogsRequest,
  type ServiceUsageNow,
  type SubmitInput,
  type SubmitResult,
} from './control-plane.js';
import { CronScheduler } from './cron-scheduler.js';
import { EventBus } from './events.js';
import type { ManagedDatabaseProvider } from './managed-databases/provider.js';
import { DEFAULT_SAMPLER_OPTIONS, MetricsSampler } from './observe/metrics-sampler.js';
import { serviceInstances, serviceLogs } from './observe/service-observation.js';
import { QueueWorker } from './queue/queue-worker.js';
import type { RunnerDeps } from './runner-deps.js';
import { JournalBatch } from './run/journal-batch.js';
import { RunningStates } from './running-states.js';
import { RuntimeResolver } from './runtime-resolver.js';
import { syncSchedules } from './schedule-sync.js';

export interface EngineOptions {
  /** How long a process holds an environment without renewing its lease. */
  leaseMs: number;
  /** How often the queue is looked at for work other processes queued. */
  pollMs: number;
  /** How often running states of known services are observed again. */
  sweepMs: number;
  /**
   * How long a service's move to its result (DEPLOYED, STOPPED…) waits for the look at what
   * runs just before it: a runtime that does not answer must not hold the service's status.
   */
  observeWaitMs: number;
  /** How often CPU and memory of running instances are sampled (docs/api.md#metrics); 0: never. */
  metricsIntervalMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { leaseMs: 15_000, pollMs: 500, sweepMs: 15_000, observeWaitMs: 10_000, metricsIntervalMs: DEFAULT_SAMPLER_OPTIONS.intervalMs };

/** A request as asked, with the services its availability is judged on (read once per request). */
interface Scope {
  request: RequestedAction;
  /** A service-level action's service. */
  service?: Service;
  /**
   * An environment-level action's services that environment actions include: their statuses
   * only, the run reads the services themselves once it holds the environment.
   */
  included?: ServiceState[];
}

/**
 * The engine as the API sees it (docs/architecture.md): it checks a request against the rules
 * and queues it (or starts it at once), cancels, and answers what is available. The queue
 * worker (queue/) runs what is queued, one request at a time per environment.
 */
export class Engine implements ControlPlane {
  readonly events = new EventBus();
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Slipway's scheduler of cron jobs; exposed so the API can show a job's next run. */
  readonly scheduler: CronScheduler;
  private readonly runtimes: RuntimeResolver;
  private readonly runningStates: RunningStates;
  private readonly journalBatch: JournalBatch;
  private readonly worker: QueueWorker;
  /** Slipway's sampling of CPU and memory; exposed so tests and benchmarks can sample at once. */
  readonly sampler: MetricsSampler;
  private readonly options: EngineOptions;
  private managed: { provider: ManagedDatabaseProvider; pollMs: number } | undefined;
  private timers: NodeJS.Timeout[] = [];
  private syncing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly store: Store,
    runtimes: Partial<Record<RuntimeKind, Runtime>>,
    private readonly logger: Logger,
    options: Partial<EngineOptions> = {},
    /** Builds git services (docs/build.md); without it their deploys end BUILD_ERROR. */
    private readonly builder?: Builder,
  ) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...options };
    this.runtimes = new RuntimeResolver(store, runtimes);
    this.runningStates = new RunningStates(store, this.runtimes, this.events, logger, { waitMs: this.options.observeWaitMs });
    this.scheduler = new CronScheduler(store, logger, this.events);
    this.journalBatch = new JournalBatch(store);
    this.worker = new QueueWorker(() => this.deps(), { owner: this.workerId, leaseMs: this.options.leaseMs }, logger);
    this.sampler = new MetricsSampler(store, this.runtimes, () => this.runningStates.withInstances(), logger, {
      ...DEFAULT_SAMPLER_OPTIONS,
      intervalMs: this.options.metricsIntervalMs,
    });
  }

  private deps(): RunnerDeps & { store: Store } {
    return {
      store: this.store,
      events: this.events,
      runtimes: this.runtimes,
      runningStates: this.runningStates,
      journalBatch: this.journalBatch,
      logger: this.logger,
      scheduler: this.scheduler,
      ...(this.builder ? { builder: this.builder } : {}),
      ...(this.managed ? { managedDatabases: this.managed.provider, managedPollMs: this.managed.pollMs } : {}),
    };
  }

  /** Drives managed databases with this provider (e.g. AWS); pollMs: how often one coming up is described. */
  useManagedDatabases(provider: ManagedDatabaseProvider, pollMs = 15_000): void {
    this.managed = { provider, pollMs };
  }

  managedDatabasesConfigured(): boolean {
    return this.managed !== undefined;
  }

  async start(): Promise<void> {
    for (const runtime of this.runtimes.all()) await runtime.start();
    await this.runningStates.start({ sweepMs: this.options.sweepMs });
    // Cron jobs deployed before a restart keep their schedule, and those deployed through other
    // processes get theirs here too.
    await this.syncSchedules();
    this.timers = [setInterval(() => void this.syncSchedules(), this.options.sweepMs), setInterval(() => this.worker.wake(), this.options.pollMs)];
    this.worker.wake();
    this.sampler.start();
  }

  /** Stops taking work and waits for what runs here to end (deployments are not aborted). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.syncing;
    await this.sampler.stop();
    await this.worker.close();
    await this.scheduler.close();
    this.runningStates.stop();
    for (const runtime of this.runtimes.all()) await runtime.close();
  }

  /** Looks at the queue now. */
  wake(): void {
    this.worker.wake();
  }

  private syncSchedules(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.syncing ??= syncSchedules({ ...this.deps(), scheduler: this.scheduler })
      .then((installed) => {
        if (installed > 0) this.logger.info({ installed }, 'cron schedules installed from the store');
      })
      .catch((err: unknown) => this.logger.error({ err }, 'cron schedule sync failed'))
      .finally(() => {
        this.syncing = undefined;
      });
    return this.syncing;
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    const environment = await this.store.getEnvironment(input.environmentId);
    if (!environment) throw new DomainError('NOT_FOUND', 'environment not found');
    const scope = await this.scopeOf(input);
    const busy = (await this.store.getRunning(environment.id)) ?? (await this.store.listWaiting(environment.id))[0];
    if (busy && !input.queue) throw new EnvironmentBusyError(busy.id);
    const newRequest = { environmentId: environment.id, request: scope.request, origin: input.origin, triggeredBy: input.triggeredBy };
    if (!busy) {
      assertAvailable(scope);
      // Recorded already RUNNING under this process's lease, so nothing else can claim it, and
      // answered only once its services show their queued status: a read right after the
      // answer never sees the old status (docs/queue-and-cancel.md).
      const started = await this.store.startIfIdle(newRequest, this.workerId, this.options.leaseMs);
      if (started) {
        await this.worker.launch(started).servicesQueued;
        return { requestId: started.id, deploymentId: started.id, position: 0, merged: false };
      }
      // Another process started or queued a request here meanwhile.
      if (!input.queue) throw new EnvironmentBusyError((await this.store.getRunning(environment.id))?.id ?? '');
    }
    const { deployment, merged } = await this.store.enqueue(newRequest);
    this.events.publish({ type: 'queue.changed', projectId: environment.projectId, environmentId: environment.id, deploymentId: deployment.id, change: merged ? 'merged' : 'queued' });
    this.worker.wake();
    // It waited: its place when it was accepted, even if it has been taken since (0 is only for
    // a request that started at once, its services already moved).
    const position = Math.max(1, (await this.store.position(deployment.id)) ?? 1);
    return { requestId: deployment.id, deploymentId: deployment.id, position, merged };
  }

  async rollbackPlan(deploymentId: string): Promise<RollbackPlan & { environmentId: string }> {
    const deployment = await this.store.getDeployment(deploymentId);
    if (!deployment) throw new DomainError('NOT_FOUND', 'deployment not found');
    const result = planRollback(deployment, await this.store.deployedServicesOf(deployment.id), await this.store.listServices(deployment.environmentId));
    if ('refused' in result) throw new ActionNotAvailableError(`ROLLBACK is not available: ${result.refused}`, { action: 'ROLLBACK', reason: result.refused });
    return { ...result.plan, environmentId: deployment.environmentId };
  }

  private async scopeOf(input: SubmitInput): Promise<Scope> {
    if (input.rollbackOf !== undefined) return this.rollbackScope(input, input.rollbackOf);
    if (input.serviceId !== undefined) {
      const service = await this.store.getService(input.serviceId);
      if (!service || service.environmentId !== input.environmentId) throw new DomainError('NOT_FOUND', 'service not found');
      const versions = input.version !== undefined ? { [service.id]: input.version } : {};
      return { request: { action: input.action, level: 'service', serviceIds: [service.id], versions, keepData: input.keepData }, service };
    }
    const services = await this.store.listServiceStates(input.environmentId);
    const serviceIds = input.serviceIds ?? [];
    const known = new Set(services.map((s) => s.id));
    const unknown = serviceIds.find((id) => !known.has(id));
    if (unknown) throw new DomainError('NOT_FOUND', `service ${unknown} is not in this environment`);
    const request: RequestedAction = { action: input.action, level: 'environment', serviceIds, versions: {}, keepData: input.keepData };
    return { request, included: services.filter((s) => !s.skipEnvironmentActions) };
  }

  /** A rollback is a Deploy other version of each service it names, carrying the deployment it goes back to. */
  private async rollbackScope(input: SubmitInput, rollbackOf: string): Promise<Scope> {
    const services = await this.store.listServices(input.environmentId);
    const serviceIds = input.serviceIds ?? [];
    const named = serviceIds.map((id) => services.find((s) => s.id === id));
    const missing = serviceIds.find((_, i) => named[i] === undefined);
    if (missing !== undefined || named.length === 0) throw new DomainError('NOT_FOUND', `service ${missing ?? ''} is not in this environment`);
    const request: RequestedAction = { action: 'DEPLOY_VERSION', level: 'service', serviceIds, versions: input.versions ?? {}, rollbackOf };
    return { request, service: named[0]! };
  }

  async cancel(environmentId: string, options: { force: boolean }): Promise<{ deploymentId: string }> {
    if (!(await this.store.getEnvironment(environmentId))) throw new DomainError('NOT_FOUND', 'environment not found');
    const running = await this.store.getRunning(environmentId);
    const availability = environmentActionAvailability('CANCEL', [], running ? await this.runningView(running) : null);
    if (!running || !availability.available) {
      throw new ActionNotAvailableError(`CANCEL is not available: ${availability.reason}`, { action: 'CANCEL', reason: availability.reason ?? '' });
    }
    await this.store.requestCancel(running.id, options.force);
    this.worker.get(running.id)?.cancel(options.force);
    return { deploymentId: running.id };
  }

  private async runningView(running: Deployment): Promise<RunningRequestView> {
    const detail = await this.store.getDeploymentDetail(running.id);
    const ids = detail?.stages.flatMap((stage) => stage.services.map((s) => s.serviceId)) ?? [];
    const statuses: DeploymentStatus[] = [];
    for (const id of ids) {
      const service = await this.store.getService(id);
      if (service) statuses.push(service.status);
    }
    return { serviceStatuses: statuses };
  }

  private async runningViewOf(environmentId: string): Promise<RunningRequestView | null> {
    const running = await this.store.getRunning(environmentId);
    return running ? this.runningView(running) : null;
  }

  async serviceActions(serviceId: string): Promise<ActionAvailability[]> {
    const service = await this.store.getService(serviceId);
    if (!service) throw new DomainError('NOT_FOUND', 'service not found');
    return serviceActions(service, await this.runningViewOf(service.environmentId));
  }

  async environmentActions(environmentId: string): Promise<ActionAvailability[]> {
    if (!(await this.store.getEnvironment(environmentId))) throw new DomainError('NOT_FOUND', 'environment not found');
    const services = (await this.store.listServiceStates(environmentId)).filter((s) => !s.skipEnvironmentActions);
    return environmentActions(services, await this.runningViewOf(environmentId));
  }

  runningState(service: Pick<Service, 'id' | 'status'>): RunningState {
    return this.runningStates.get(service);
  }

  instances(serviceId: string): Promise<InstanceView[]> {
    return serviceInstances(this.runtimes, this.store, serviceId);
  }

  logs(serviceId: string, request: LogsRequest): Promise<AsyncIterable<InstanceLogLine>> {
    return serviceLogs(this.runtimes, this.store, serviceId, request);
  }

  async metrics(serviceId: string, since: string): Promise<{ available: boolean; intervalSeconds: number; points: MetricPoint[] }> {
    if (!(await this.store.getService(serviceId))) throw new DomainError('NOT_FOUND', 'service not found');
    return {
      available: this.sampler.available(serviceId) ?? true,
      intervalSeconds: Math.round(this.options.metricsIntervalMs / 1000),
      points: await this.store.readMetricPoints(serviceId, since),
    };
  }

  currentUsage(): ServiceUsageNow[] {
    return this.sampler.current();
  }

  async serviceHost(serviceId: string): Promise<string> {
    const resolved = await this.runtimes.forService(serviceId);
    if (resolved) return resolved.runtime.serviceHost?.(resolved.target) ?? resolved.service.name;
    const service = await this.store.getService(serviceId);
    if (!service) throw new DomainError('NOT_FOUND', 'service not found');
    return service.name;
  }

  async endpoints(serviceId: string): Promise<Endpoint[]> {
    const resolved = await this.runtimes.forService(serviceId);
    if (!resolved) return [];
    try {
      return await resolved.runtime.endpoints(resolved.target);
    } catch (err) {
      // An unreachable runtime shows no endpoints: a read of the service never fails on it.
      this.logger.warn({ err, serviceId }, 'endpoints unknown: the runtime did not answer');
      return [];
    }
  }
}

/** Refuses a request its subject's state does not allow now (checked when it would start at once). */
function assertAvailable({ request, service, included }: Scope): void {
  const availability = service ? serviceActionAvailability(request.action, service, null) : environmentActionAvailability(request.action, included ?? [], null);
  if (!availability.available) {
    throw new ActionNotAvailableError(`${request.action} is not available: ${availability.reason}`, {
      action: request.action,
      ...(service ? { status: service.status } : {}),
      reason: availability.reason ?? '',
    });
  }
}
