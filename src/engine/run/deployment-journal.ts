import {
  assertTransition,
  environmentRunningStatus,
  environmentStatus,
  type DeploymentRunStatus,
  type DeploymentStatus,
  type LogLevel,
  type Service,
  type StepName,
  type StepStatus,
  redact,
} from '../../domain/index.js';
import type { OperationContext } from '../../runtime/runtime.js';
import type { Deployment, DeploymentRecordStore, ServiceStore } from '../../store/store.js';

/** The part of the store a journal writes to. */
export type JournalStore = Pick<ServiceStore, 'setServiceStatus' | 'listServices'> & DeploymentRecordStore;
import type { EventBus } from '../events.js';
import type { RunningStates, ServicePlacement } from '../running-states.js';
import type { JournalBatch } from './journal-batch.js';
import { LogBatch } from './log-batch.js';

export interface StepHandle {
  finish(status: StepStatus, message?: string | null): Promise<void>;
}

/**
 * Everything a running deployment writes down: service statuses (checked against the
 * transition table by the store), steps, logs, and the events that announce them. Writes for
 * one service are serialised, so a late CANCELING can never overtake the final status.
 */
export class DeploymentJournal {
  private readonly chains = new Map<string, Promise<unknown>>();
  /**
   * The deployment status of every service of the environment. While a deployment runs it is
   * the only writer of its services' statuses, so this map stays true without re-reading.
   */
  private readonly statuses: Map<string, DeploymentStatus>;
  private environmentStatus: DeploymentStatus;
  private readonly logs: LogBatch;

  constructor(
    private readonly store: JournalStore,
    private readonly batch: JournalBatch,
    private readonly events: EventBus,
    private readonly runningStates: RunningStates,
    readonly deployment: Deployment,
    readonly projectId: string,
    private readonly secrets: readonly string[],
    environmentServices: readonly Service[],
    /** Where the deployment's services run: observing one after an action reads nothing from the store. */
    private readonly placementOf: (serviceId: string) => ServicePlacement | undefined,
  ) {
    this.statuses = new Map(environmentServices.map((s) => [s.id, s.status]));
    this.environmentStatus = environmentStatus([...this.statuses.values()]);
    this.logs = new LogBatch(store, deployment.id, () =>
      events.publish({ type: 'deployment.log', projectId, environmentId: deployment.environmentId, deploymentId: deployment.id }),
    );
  }

  private serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.chains.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  private async write(serviceId: string, status: DeploymentStatus, message: string | null): Promise<void> {
    const known = this.statuses.get(serviceId);
    if (known !== undefined) assertTransition(known, status);
    // The status it knows is the status stored (it is the only writer while it runs): batched
    // with the other services' writes; should another writer have moved it anyway, the checked path decides.
    const moved = known !== undefined && (await this.batch.move({ deploymentId: this.deployment.id, serviceId, from: known, to: status, message }));
    if (!moved) {
      await this.store.setServiceStatus(serviceId, status, message);
      await this.store.setDeploymentServiceStatus(this.deployment.id, serviceId, status);
    }
    this.statuses.set(serviceId, status);
    this.announce(serviceId, status, message);
    this.announceEnvironment();
  }

  private announce(serviceId: string, status: DeploymentStatus, message: string | null): void {
    this.events.publish({ type: 'service.status', projectId: this.projectId, environmentId: this.deployment.environmentId, serviceId, status, message });
  }

  /** Publishes the environment's status when the services' moves changed it. */
  private announceEnvironment(): void {
    const now = environmentStatus([...this.statuses.values()]);
    if (now === this.environmentStatus) return;
    this.environmentStatus = now;
    this.events.publish({
      type: 'environment.status',
      projectId: this.projectId,
      environmentId: this.deployment.environmentId,
      status: now,
      runningStatus: environmentRunningStatus([...this.statuses].map(([id, status]) => this.runningStates.get({ id, status }).status)),
    });
  }

  /**
   * The request's first writes: every service it touches moves to its queued status and opens
   * its QUEUEING step, through the batch: with the first writes of the deployments that start
   * beside it, one transaction of a statement or two per table. Returns each step.
   */
  async queueAll(serviceIds: readonly string[], status: DeploymentStatus): Promise<Map<string, StepHandle>> {
    await Promise.all(serviceIds.map((id) => this.chains.get(id)));
    const deploymentId = this.deployment.id;
    const moves = serviceIds.flatMap((serviceId) => {
      const from = this.statuses.get(serviceId);
      return from === undefined || from === status ? [] : [{ deploymentId, serviceId, from, to: status, message: null }];
    });
    // Refused here, as write() does: in the batch it would fail the other deployments' writes too.
    for (const move of moves) assertTransition(move.from, move.to);
    const [moved, stepIds] = await Promise.all([
      Promise.all(moves.map((move) => this.batch.move(move))),
      Promise.all(serviceIds.map((serviceId) => this.batch.startStep({ deploymentId, serviceId, name: 'QUEUEING' }))),
    ]);
    for (const [i, { serviceId: id }] of moves.entries()) {
      // Moved by another writer meanwhile: the checked path decides for those.
      if (!moved[i]) {
        await this.store.setServiceStatus(id, status, null);
        await this.store.setDeploymentServiceStatus(deploymentId, id, status);
      }
      this.statuses.set(id, status);
      this.announce(id, status, null);
    }
    this.announceEnvironment();
    return new Map(serviceIds.map((id, i) => [id, this.stepHandle(stepIds[i]!)]));
  }

  /** Observes the service's running state again, the runtime having just been acted on; never throws, waits a bounded time. */
  observeRunning(serviceId: string): Promise<void> {
    return this.runningStates.refreshWithin(serviceId, this.placementOf(serviceId));
  }

  /** Moves a service to a status, in the store, in this deployment's record and on the event stream. */
  moveService(serviceId: string, status: DeploymentStatus, message: string | null = null): Promise<void> {
    return this.serialised(serviceId, async () => {
      const current = this.statuses.get(serviceId);
      if (current === undefined || current === status) return;
      await this.write(serviceId, status, message);
    });
  }

  /** Moves a service only if it is in one of the given statuses (e.g. CANCELING while still in progress). */
  moveServiceIf(serviceId: string, from: readonly DeploymentStatus[], status: DeploymentStatus): Promise<void> {
    return this.serialised(serviceId, async () => {
      const current = this.statuses.get(serviceId);
      if (current === undefined || !from.includes(current)) return;
      await this.write(serviceId, status, null);
    });
  }

  async startStep(serviceId: string, name: StepName, message?: string): Promise<StepHandle> {
    return this.stepHandle(await this.batch.startStep({ deploymentId: this.deployment.id, serviceId, name, ...(message !== undefined ? { message } : {}) }));
  }

  /** A step whose work is already done, recorded ended in one write (runStep's straight path). */
  async recordStep(serviceId: string, name: StepName, status: Exclude<StepStatus, 'RUNNING'>, message: string | null): Promise<void> {
    await this.batch.startStep({ deploymentId: this.deployment.id, serviceId, name, status, message: message === null ? null : redact(message, this.secrets) });
  }

  private stepHandle(stepId: string): StepHandle {
    return {
      finish: (status, finishMessage) =>
        this.batch.finishStep({ stepId, status, ...(finishMessage !== undefined ? { message: finishMessage === null ? null : redact(finishMessage, this.secrets) } : {}) }),
    };
  }

  /** A line of the deployment's log, secrets redacted; settles once it is stored (batched: log-batch.ts). */
  log(serviceId: string | null, step: StepName | null, level: LogLevel, message: string): Promise<void> {
    return this.logs.add({ ts: new Date().toISOString(), serviceId, step, level, message: redact(message, this.secrets) });
  }

  /** Work of the whole deployment rather than one service's (preparing the environment): its lines go to the deployment's log. */
  deploymentOperation(signal: AbortSignal): OperationContext {
    return { signal, log: (level, message) => void this.log(null, 'DEPLOY', level, message) };
  }

  /** Waits until every status write and log line queued so far has landed. */
  async settled(): Promise<void> {
    await Promise.all([...this.chains.values(), this.logs.flush(), this.batch.settled()]);
  }
}

export async function publishEnvironmentStatus(
  store: Pick<ServiceStore, 'listServices'>,
  events: EventBus,
  runningStates: RunningStates,
  projectId: string,
  environmentId: string,
): Promise<void> {
  const services = await store.listServices(environmentId);
  events.publish({
    type: 'environment.status',
    projectId,
    environmentId,
    status: environmentStatus(services.map((s) => s.status)),
    runningStatus: environmentRunningStatus(services.map((s) => runningStates.get(s).status)),
  });
}

export function publishDeploymentStatus(
  events: EventBus,
  projectId: string,
  deployment: Deployment,
  status: DeploymentRunStatus,
  message: string | null,
): void {
  events.publish({
    type: 'deployment.status',
    projectId,
    environmentId: deployment.environmentId,
    deploymentId: deployment.id,
    status,
    message,
  });
}
