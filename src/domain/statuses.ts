/**
 * Deployment statuses of a service (docs/statuses.md#deployment-status): the names of Qovery's
 * public API.
 */
export const DEPLOYMENT_STATUSES = [
  'READY',
  'QUEUED',
  'BUILDING',
  'BUILD_ERROR',
  'DEPLOYING',
  'EXECUTING',
  'DEPLOYED',
  'DEPLOYMENT_ERROR',
  'STOP_QUEUED',
  'STOPPING',
  'STOPPED',
  'STOP_ERROR',
  'RESTART_QUEUED',
  'RESTARTING',
  'RESTARTED',
  'RESTART_ERROR',
  'CANCELING',
  'CANCELED',
  'DELETE_QUEUED',
  'DELETING',
  'DELETED',
  'DELETE_ERROR',
] as const;

export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

const IN_PROGRESS: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>([
  'QUEUED',
  'STOP_QUEUED',
  'RESTART_QUEUED',
  'DELETE_QUEUED',
  'BUILDING',
  'DEPLOYING',
  'EXECUTING',
  'STOPPING',
  'RESTARTING',
  'CANCELING',
  'DELETING',
]);

export function isInProgress(status: DeploymentStatus): boolean {
  return IN_PROGRESS.has(status);
}

export function isTerminal(status: DeploymentStatus): boolean {
  return !IN_PROGRESS.has(status);
}

/** The statuses a deploy-like action can still be canceled from (docs/queue-and-cancel.md#cancel). */
export const CANCELABLE_STATUSES: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>([
  'QUEUED',
  'BUILDING',
  'DEPLOYING',
  'EXECUTING',
]);

export function isErrorStatus(status: DeploymentStatus): boolean {
  return status.endsWith('_ERROR');
}

/** Running status, observed from the runtime and never inferred from the deployment status. */
export const RUNNING_STATUSES = [
  'STARTING',
  'RUNNING',
  'WARNING',
  'ERROR',
  'STOPPING',
  'STOPPED',
  'COMPLETED',
  'UNKNOWN',
] as const;

export type RunningStatus = (typeof RUNNING_STATUSES)[number];

export interface InstanceState {
  id: string;
  version: string | null;
  ready: boolean;
  restarts: number;
  lastExitCode: number | null;
  /**
   * Why the instance last stopped or cannot start ("OOMKilled", "Error", "CrashLoopBackOff",
   * "ErrImagePull"…), when the runtime knows it; null or absent otherwise.
   */
  lastExitReason?: string | null;
  startedAt: string | null;
}

export interface RunningState {
  status: RunningStatus;
  instances: InstanceState[];
}
