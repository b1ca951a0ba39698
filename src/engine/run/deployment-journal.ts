import {
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
import type { Deployment, DeploymentRecordStore, ServiceStore } from '../../store/store.js';

/** The part of the store a journal writes to. */
export type JournalStore = Pick<ServiceStore, 'setServiceStatus' | 'listServices'> & DeploymentRecordStore;
import type { EventBus } from '../events.js';
import type { RunningStates } from '../running-states.js';

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

  constructor(
    private readonly store: JournalStore,
    private readonly events: EventBus,
    private readonly runningStates: RunningStates,
    readonly deployment: Deployment,
    readonly projectId: string,
    private readonly secrets: readonly string[],
    environmentServices: readonly Service[],
  ) {
    this.statuses = new Map(environmentServices.map((s) => [s.id, s.status]));
    this.environmentStatus = environmentStatus([...this.statuses.values()]);
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
    await this.store.setServiceStatus(serviceId, status, message);
    this.statuses.set(serviceId, status);
    await this.store.setDeploymentServiceStatus(this.deployment.id, serviceId, status);
    this.events.publish({
      type: 'service.status',
      projectId: this.projectId,
      environmentId: this.deployment.environmentId,
      serviceId,
      status,
      message,
    });
    const now = environmentStatus([...this.statuses.values()]);
    if (now !== this.environmentStatus) {
      this.environmentStatus = now;
      this.events.publish({
        type: 'environment.status',
        projectId: this.projectId,
        environmentId: this.deployment.environmentId,
        status: now,
        runningStatus: environmentRunningStatus(
          [...this.statuses].map(([id, status]) => this.runningStates.get({ id, status }).status),
        ),
      });
    }
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
    const stepId = await this.store.startStep(this.deployment.id, serviceId, name, message);
    return {
      finish: (status, finishMessage) =>
        this.store.finishStep(stepId, status, finishMessage == null ? finishMessage : redact(finishMessage, this.secrets)),
    };
  }

  async log(serviceId: string | null, step: StepName | null, level: LogLevel, message: string): Promise<void> {
    await this.store.appendLog(this.deployment.id, {
      ts: new Date().toISOString(),
      serviceId,
      step,
      level,
      message: redact(message, this.secrets),
    });
    this.events.publish({
      type: 'deployment.log',
      projectId: this.projectId,
      environmentId: this.deployment.environmentId,
      deploymentId: this.deployment.id,
    });
  }

  /** Waits until every status write queued so far has landed. */
  async settled(): Promise<void> {
    await Promise.all([...this.chains.values()]);
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
