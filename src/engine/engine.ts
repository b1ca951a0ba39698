import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import {
  DomainError,
  environmentActionAvailability,
  environmentActions,
  serviceActionAvailability,
  serviceActions,
  type ActionAvailability,
  type DeploymentStatus,
  type RequestedAction,
  type RunningRequestView,
  type RunningState,
  type RuntimeKind,
  type Service,
} from '../domain/index.js';
import type { Endpoint, Runtime } from '../runtime/runtime.js';
import type { Deployment, Store } from '../store/store.js';
import {
  ActionNotAvailableError,
  EnvironmentBusyError,
  type ControlPlane,
  type SubmitInput,
  type SubmitResult,
} from './control-plane.js';
import { runDeployment } from './deployment-runner.js';
import { endInterrupted } from './deployment-endings.js';
import type { RunnerDeps } from './runner-deps.js';
import { CronScheduler } from './cron-scheduler.js';
import type { ManagedDatabaseProvider } from './managed-databases/provider.js';
import { syncSchedules } from './cron-tasks.js';
import { EventBus } from './events.js';
import { RunningStates } from './running-states.js';
import { RuntimeResolver } from './runtime-resolver.js';
import type { Builder } from './builder.js';

export interface EngineOptions {
  /** How long a process holds an environment without renewing its lease. */
  leaseMs: number;
  /** How often the queue is looked at for work other processes queued. */
  pollMs: number;
  /** How often running states of known services are observed again. */
  sweepMs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { leaseMs: 15_000, pollMs: 500, sweepMs: 15_000 };

interface Execution {
  deployment: Deployment;
  controller: AbortController;
  /** Aborted by a Cancel with force=true: kills a running lifecycle job instead of waiting for it. */
  force: AbortController;
  done: Promise<void>;
  /** Settles once the request's services show their queued status (or it ended before). */
  servicesQueued: Promise<void>;
}

/**
 * The deployment engine: takes requests, queues them per environment, runs one at a time per
 * environment (the database's unique index decides), and keeps leases so that a dead process
 * leaves nothing stuck (SPEC §5).
 */
export class Engine implements ControlPlane {
  readonly events = new EventBus();
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly runtimes: RuntimeResolver;
  private readonly runningStates: RunningStates;
  private managed: { provider: ManagedDatabaseProvider; pollMs: number } | undefined;
  /** Slipway's scheduler of cron jobs; exposed so the API can show a job's next run. */
  readonly scheduler: CronScheduler;
  private readonly executions = new Map<string, Execution>();
  private readonly options: EngineOptions;
  private timer: NodeJS.Timeout | undefined;
  private scheduleTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    runtimes: Partial<Record<RuntimeKind, Runtime>>,
    private readonly logger: Logger,
    options: Partial<EngineOptions> = {},
    /** Builds git services (SPEC §6); without it their deploys end BUILD_ERROR. */
    private readonly builder?: Builder,
  ) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...options };
    this.runtimes = new RuntimeResolver(store, runtimes);
    this.runningStates = new RunningStates(store, this.runtimes, this.events, logger);
    this.scheduler = new CronScheduler(store, logger);
  }

  private get deps(): RunnerDeps {
    return {
      store: this.store,
      events: this.events,
      runtimes: this.runtimes,
      runningStates: this.runningStates,
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
    // Cron jobs deployed before a restart keep their schedule (SPEC §7: Slipway's scheduler),
    // and those deployed through other processes get theirs here too.
    await this.syncSchedules();
    this.scheduleTimer = setInterval(() => void this.syncSchedules(), this.options.sweepMs);
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.wake();
  }

  /** Stops taking work and waits for what runs here to end (deployments are not aborted). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.scheduleTimer) clearInterval(this.scheduleTimer);
    await this.syncing;
    await this.ticking;
    await Promise.all([...this.executions.values()].map((e) => e.done));
    await this.scheduler.close();
    this.runningStates.stop();
    for (const runtime of this.runtimes.all()) await runtime.close();
  }

  private syncSchedules(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.syncing ??= syncSchedules({ ...this.deps, scheduler: this.scheduler })
      .then((installed) => {
        if (installed > 0) this.logger.info({ installed }, 'cron schedules installed from the store');
      })
      .catch((err: unknown) => this.logger.error({ err }, 'cron schedule sync failed'))
      .finally(() => {
        this.syncing = undefined;
      });
    return this.syncing;
  }

  /** Looks at the queue now (coalesced: one look at a time, another right after if asked meanwhile). */
  wake(): void {
    if (this.closed) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.logger.error({ err }, 'queue tick failed'))
      .finally(() => {
        this.ticking = undefined;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.wake();
        }
      });
  }

  private async tick(): Promise<void> {
    await this.recoverExpiredLeases();
    for (const environmentId of await this.store.environmentsReadyToRun()) {
      if (this.closed) return;
      const claimed = await this.store.claimNext(environmentId, this.workerId, this.options.leaseMs);
      if (claimed) this.launch(claimed);
    }
  }

  private launch(deployment: Deployment): Execution {
    const controller = new AbortController();
    // Every service task of the deployment listens on this one signal.
    setMaxListeners(0, controller.signal);
    const force = new AbortController();
    let servicesQueued!: () => void;
    const queued = new Promise<void>((resolve) => (servicesQueued = resolve));
    const heartbeat = setInterval(() => void this.heartbeat(deployment.id, controller, force), Math.max(200, this.options.leaseMs / 5));
    const done = runDeployment(this.deps, deployment, controller.signal, force.signal, servicesQueued)
      .catch((err: unknown) => this.logger.error({ err, deploymentId: deployment.id }, 'deployment runner crashed'))
      .finally(() => {
        servicesQueued();
        clearInterval(heartbeat);
        this.executions.delete(deployment.id);
        this.wake();
      });
    const execution = { deployment, controller, force, done, servicesQueued: queued };
    this.executions.set(deployment.id, execution);
    return execution;
  }

  /** Renews the lease, and picks up a cancel asked through another process. */
  private async heartbeat(deploymentId: string, controller: AbortController, force: AbortController): Promise<void> {
    try {
      const held = await this.store.renewLease(deploymentId, this.workerId, this.options.leaseMs);
      if (!held) this.logger.error({ deploymentId }, 'lost the lease of a running deployment');
      const current = await this.store.getDeployment(deploymentId);
      if (current?.cancelRequested && !controller.signal.aborted) controller.abort();
      if (current?.forceCancel && !force.signal.aborted) force.abort();
    } catch (err) {
      this.logger.warn({ err, deploymentId }, 'heartbeat failed');
    }
  }

  /** Deployments whose process stopped renewing its lease are ended explicitly (SPEC §5). */
  private async recoverExpiredLeases(): Promise<void> {
    for (const deployment of await this.store.listExpiredLeases()) {
      if (this.executions.has(deployment.id)) continue;
      const taken = await this.store.takeOverLease(deployment.id, deployment.leaseOwner, this.workerId, this.options.leaseMs);
      if (!taken) continue;
      this.logger.warn({ deploymentId: deployment.id, owner: deployment.leaseOwner }, 'ending a deployment whose process died');
      const environment = await this.store.getEnvironment(deployment.environmentId);
      const project = environment && (await this.store.getProject(environment.projectId));
      await endInterrupted(
        this.deps,
        deployment,
        project,
        'interrupted: the Slipway process running this deployment stopped; run the action again',
      );
    }
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    const environment = await this.store.getEnvironment(input.environmentId);
    if (!environment) throw new DomainError('NOT_FOUND', 'environment not found');
    const request = await this.requestOf(input);

    const running = await this.store.getRunning(environment.id);
    const waiting = await this.store.listWaiting(environment.id);
    const busy = running ?? waiting[0];
    if (busy && !input.queue) throw new EnvironmentBusyError(busy.id);
    if (!busy) await this.assertAvailable(environment.id, request);

    const newRequest = { environmentId: environment.id, request, origin: input.origin, triggeredBy: input.triggeredBy };
    if (!busy) {
      // Recorded already RUNNING under this process's lease, so nothing else can claim it, and
      // answered only once its services show their queued status: a read right after the
      // answer never sees the old status (SPEC §5).
      const started = await this.store.startIfIdle(newRequest, this.workerId, this.options.leaseMs);
      if (started) {
        await this.launch(started).servicesQueued;
        return { requestId: started.id, deploymentId: started.id, position: 0, merged: false };
      }
      // Another process started or queued a request here meanwhile.
      if (!input.queue) throw new EnvironmentBusyError((await this.store.getRunning(environment.id))?.id ?? '');
    }
    const { deployment, merged } = await this.store.enqueue(newRequest);
    this.wake();
    // It waited: its place when it was accepted, even if it has been taken since (0 is only for
    // a request that started at once, its services already moved).
    const position = Math.max(1, (await this.store.position(deployment.id)) ?? 1);
    return { requestId: deployment.id, deploymentId: deployment.id, position, merged };
  }

  private async requestOf(input: SubmitInput): Promise<RequestedAction> {
    if (input.serviceId !== undefined) {
      const service = await this.store.getService(input.serviceId);
      if (!service || service.environmentId !== input.environmentId) throw new DomainError('NOT_FOUND', 'service not found');
      return {
        action: input.action,
        level: 'service',
        serviceIds: [service.id],
        versions: input.version !== undefined ? { [service.id]: input.version } : {},
        keepData: input.keepData,
      };
    }
    const serviceIds = input.serviceIds ?? [];
    if (serviceIds.length > 0) {
      const known = new Set((await this.store.listServices(input.environmentId)).map((s) => s.id));
      const unknown = serviceIds.find((id) => !known.has(id));
      if (unknown) throw new DomainError('NOT_FOUND', `service ${unknown} is not in this environment`);
    }
    return { action: input.action, level: 'environment', serviceIds, versions: {}, keepData: input.keepData };
  }

  private async assertAvailable(environmentId: string, request: RequestedAction): Promise<void> {
    let availability: ActionAvailability;
    let status: string | undefined;
    if (request.level === 'service') {
      const service = (await this.store.getService(request.serviceIds[0]!))!;
      status = service.status;
      availability = serviceActionAvailability(request.action, service, null);
    } else {
      const services = (await this.store.listServices(environmentId)).filter((s) => !s.skipEnvironmentActions);
      availability = environmentActionAvailability(request.action, services, null);
    }
    if (!availability.available) {
      throw new ActionNotAvailableError(`${request.action} is not available: ${availability.reason}`, {
        action: request.action,
        status,
        reason: availability.reason ?? '',
      });
    }
  }

  async cancel(environmentId: string, options: { force: boolean }): Promise<{ deploymentId: string }> {
    const environment = await this.store.getEnvironment(environmentId);
    if (!environment) throw new DomainError('NOT_FOUND', 'environment not found');
    const running = await this.store.getRunning(environmentId);
    const availability = environmentActionAvailability('CANCEL', [], running ? await this.runningView(running) : null);
    if (!running || !availability.available) {
      throw new ActionNotAvailableError(`CANCEL is not available: ${availability.reason}`, {
        action: 'CANCEL',
        reason: availability.reason ?? '',
      });
    }
    await this.store.requestCancel(running.id, options.force);
    const execution = this.executions.get(running.id);
    execution?.controller.abort();
    if (options.force) execution?.force.abort();
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
    const services = (await this.store.listServices(environmentId)).filter((s) => !s.skipEnvironmentActions);
    return environmentActions(services, await this.runningViewOf(environmentId));
  }

  runningState(service: Pick<Service, 'id' | 'status'>): RunningState {
    return this.runningStates.get(service);
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
