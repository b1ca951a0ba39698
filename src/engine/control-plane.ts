import { DomainError, type ActionAvailability, type Origin, type QueuedAction, type RollbackPlan, type RunningState, type Service } from '../domain/index.js';
import type { Endpoint, InstanceDetail, InstanceLogLine } from '../runtime/runtime.js';
import type { MetricPoint } from '../store/store.js';
import type { EventBus } from './events.js';

/** What the HTTP API (and the CLI, the console) asks of the engine. */

export interface SubmitInput {
  environmentId: string;
  action: QueuedAction;
  /** Service-level actions name their one service; environment-level ones leave it out. */
  serviceId?: string;
  /** Deploy other version: the version for serviceId. Deploy latest: the chosen services. */
  version?: string;
  serviceIds?: string[];
  keepData?: boolean;
  /** A rollback (with action DEPLOY_VERSION): the deployment it goes back to; `versions` by service id. */
  rollbackOf?: string;
  versions?: Record<string, string>;
  origin: Origin;
  triggeredBy: string;
  /** false: refuse with ENVIRONMENT_BUSY instead of queueing (docs/queue-and-cancel.md#one-action-at-a-time). */
  queue: boolean;
}

export interface SubmitResult {
  requestId: string;
  deploymentId: string;
  /** 0 when it starts at once, n ≥ 1 its place among the waiting requests. */
  position: number;
  merged: boolean;
}

/** The refusal of an action its subject's state does not allow now; details say why. */
export class ActionNotAvailableError extends DomainError {
  declare readonly details: { action: string; status?: string; reason: string };
  constructor(message: string, details: { action: string; status?: string; reason: string }) {
    super('ACTION_NOT_AVAILABLE', message, details);
    this.name = 'ActionNotAvailableError';
  }
}

/** The refusal of an action asked not to queue behind the one running; details name that one. */
export class EnvironmentBusyError extends DomainError {
  declare readonly details: { runningDeploymentId: string };
  constructor(readonly runningDeploymentId: string) {
    super('ENVIRONMENT_BUSY', 'another action is running on this environment', { runningDeploymentId });
    this.name = 'EnvironmentBusyError';
  }
}

/** An instance with its CPU and memory where its runtime measures them (GET /services/{id}/instances). */
export interface InstanceView extends InstanceDetail {
  cpuPercent?: number;
  memoryBytes?: number;
  memoryLimitBytes?: number;
}

/** A read of a service's runtime logs (GET /services/{id}/logs). */
export interface LogsRequest {
  tail?: number;
  /** ISO time. */
  since?: string;
  instance?: string;
  follow: boolean;
  /** Aborted when the reader goes away: every reading of the runtime ends. */
  signal: AbortSignal;
}

/** A service's CPU and memory at the last sampling, for Prometheus. */
export interface ServiceUsageNow {
  serviceId: string;
  projectName: string;
  environmentName: string;
  serviceName: string;
  ts: string;
  cpuPercent: number;
  memoryBytes: number;
}

export interface ControlPlane {
  readonly events: EventBus;
  /** Queues (or starts) an action. Throws ActionNotAvailableError, EnvironmentBusyError, DomainError NOT_FOUND. */
  submit(input: SubmitInput): Promise<SubmitResult>;
  /**
   * What a rollback to this deployment would do (docs/api.md#rollback). Throws DomainError
   * NOT_FOUND, or ActionNotAvailableError (action ROLLBACK) with the reason it cannot.
   */
  rollbackPlan(deploymentId: string): Promise<RollbackPlan & { environmentId: string }>;
  /** Cancels the request running on the environment (docs/queue-and-cancel.md#cancel). */
  cancel(environmentId: string, options: { force: boolean }): Promise<{ deploymentId: string }>;
  serviceActions(serviceId: string): Promise<ActionAvailability[]>;
  environmentActions(environmentId: string): Promise<ActionAvailability[]>;
  /** The running state last observed (cached; never blocks on the runtime). */
  runningState(service: Pick<Service, 'id' | 'status'>): RunningState;
  endpoints(serviceId: string): Promise<Endpoint[]>;
  /** The service's instances in detail (docs/api.md#instances). NOT_FOUND; UPSTREAM_UNAVAILABLE when its runtime does not answer. */
  instances(serviceId: string): Promise<InstanceView[]>;
  /** What its instances print, merged by time, secrets redacted (docs/api.md#runtime-logs). Errors as instances. */
  logs(serviceId: string, request: LogsRequest): Promise<AsyncIterable<InstanceLogLine>>;
  /** Its sampled points since `since` (ISO); available false when its runtime cannot measure it (docs/api.md#metrics). */
  metrics(serviceId: string, since: string): Promise<{ available: boolean; intervalSeconds: number; points: MetricPoint[] }>;
  /** The host the other services of its environment reach it by (the runtime's name for it; the service's name by default). */
  serviceHost(serviceId: string): Promise<string>;
  /** Every service's figures at the last sampling, for Prometheus. */
  currentUsage(): ServiceUsageNow[];
  /** Whether a managed database provider is configured: without one, managed databases are refused. */
  managedDatabasesConfigured(): boolean;
}
