import type { ActionAvailability, Origin, QueuedAction, RunningState, Service } from '../domain/index.js';
import type { Endpoint } from '../runtime/runtime.js';
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
  origin: Origin;
  triggeredBy: string;
  /** false: refuse with ENVIRONMENT_BUSY instead of queueing (SPEC §5). */
  queue: boolean;
}

export interface SubmitResult {
  requestId: string;
  deploymentId: string;
  /** 0 when it starts at once, n ≥ 1 its place among the waiting requests. */
  position: number;
  merged: boolean;
}

/** Refusals the API maps to its error codes (SPEC §9). */
export class ActionNotAvailableError extends Error {
  readonly code = 'ACTION_NOT_AVAILABLE';
  constructor(
    message: string,
    readonly details: { action: string; status?: string; reason: string },
  ) {
    super(message);
    this.name = 'ActionNotAvailableError';
  }
}

export class EnvironmentBusyError extends Error {
  readonly code = 'ENVIRONMENT_BUSY';
  constructor(readonly runningDeploymentId: string) {
    super('another action is running on this environment');
    this.name = 'EnvironmentBusyError';
  }
}

export class NotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export interface ControlPlane {
  readonly events: EventBus;
  /** Queues (or starts) an action. Throws ActionNotAvailableError, EnvironmentBusyError, NotFoundError. */
  submit(input: SubmitInput): Promise<SubmitResult>;
  /** Cancels the request running on the environment (SPEC §5 Cancel). */
  cancel(environmentId: string, options: { force: boolean }): Promise<{ deploymentId: string }>;
  serviceActions(serviceId: string): Promise<ActionAvailability[]>;
  environmentActions(environmentId: string): Promise<ActionAvailability[]>;
  /** The running state last observed (cached; never blocks on the runtime). */
  runningState(service: Pick<Service, 'id' | 'status'>): RunningState;
  endpoints(serviceId: string): Promise<Endpoint[]>;
  /** Whether a managed database provider is configured: without one, managed databases are refused. */
  managedDatabasesConfigured(): boolean;
}
