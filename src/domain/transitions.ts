import type { DeploymentStatus } from './statuses.js';
import { DomainError } from './errors.js';

/**
 * Every transition a service's deployment status may take (docs/statuses.md#transitions). Anything
 * not listed is a bug and is refused. Terminal statuses lead to the queued status of the next
 * action; in-progress statuses lead along their action's path, to its error status (a failure, or
 * recovery after the control plane died), or to CANCELING / CANCELED.
 */
const STARTS_FROM_TERMINAL: DeploymentStatus[] = ['QUEUED', 'STOP_QUEUED', 'DELETE_QUEUED'];
// Restart is available only on DEPLOYED or RESTARTED (docs/actions.md#availability), re-checked
// when its request starts.
const STARTS_FROM_RUNNING_OK: DeploymentStatus[] = [...STARTS_FROM_TERMINAL, 'RESTART_QUEUED'];

export const TRANSITIONS: Readonly<Record<DeploymentStatus, readonly DeploymentStatus[]>> = {
  READY: ['QUEUED', 'DELETE_QUEUED'],
  // Deploy-like actions.
  QUEUED: ['BUILDING', 'DEPLOYING', 'EXECUTING', 'DEPLOYED', 'DEPLOYMENT_ERROR', 'CANCELING', 'CANCELED'],
  BUILDING: ['DEPLOYING', 'EXECUTING', 'DEPLOYED', 'BUILD_ERROR', 'DEPLOYMENT_ERROR', 'CANCELING', 'CANCELED'],
  DEPLOYING: ['EXECUTING', 'DEPLOYED', 'DEPLOYMENT_ERROR', 'CANCELING', 'CANCELED'],
  EXECUTING: ['DEPLOYED', 'DEPLOYMENT_ERROR', 'CANCELING', 'CANCELED'],
  // A canceled service is rolled back; a lifecycle job waited for at its safe point ends as it ended.
  CANCELING: ['CANCELED', 'DEPLOYED', 'DEPLOYMENT_ERROR'],
  // Stop.
  STOP_QUEUED: ['STOPPING', 'STOP_ERROR', 'CANCELED'],
  STOPPING: ['STOPPED', 'STOP_ERROR'],
  // Restart.
  RESTART_QUEUED: ['RESTARTING', 'RESTART_ERROR', 'CANCELED'],
  RESTARTING: ['RESTARTED', 'RESTART_ERROR'],
  // Delete.
  DELETE_QUEUED: ['DELETING', 'DELETE_ERROR', 'CANCELED'],
  DELETING: ['DELETED', 'DELETE_ERROR'],
  DELETED: [],
  // Terminal statuses: the next action starts here.
  DEPLOYED: STARTS_FROM_RUNNING_OK,
  DEPLOYMENT_ERROR: STARTS_FROM_TERMINAL,
  BUILD_ERROR: STARTS_FROM_TERMINAL,
  STOPPED: STARTS_FROM_TERMINAL,
  STOP_ERROR: STARTS_FROM_TERMINAL,
  RESTARTED: STARTS_FROM_RUNNING_OK,
  RESTART_ERROR: STARTS_FROM_TERMINAL,
  CANCELED: STARTS_FROM_TERMINAL,
  DELETE_ERROR: STARTS_FROM_TERMINAL,
};

export function canTransition(from: DeploymentStatus, to: DeploymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: DeploymentStatus, to: DeploymentStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError('ILLEGAL_TRANSITION', `a service cannot go from ${from} to ${to}`);
  }
}

/**
 * Where an in-progress status ends when its deployment was interrupted (the control plane
 * died) and cannot be resumed: the error status of its action, or CANCELED for work that
 * never started.
 */
export function interruptedStatus(status: DeploymentStatus): DeploymentStatus | null {
  switch (status) {
    case 'QUEUED':
    case 'STOP_QUEUED':
    case 'RESTART_QUEUED':
    case 'DELETE_QUEUED':
    case 'CANCELING':
      return 'CANCELED';
    case 'BUILDING':
      return 'BUILD_ERROR';
    case 'DEPLOYING':
    case 'EXECUTING':
      return 'DEPLOYMENT_ERROR';
    case 'STOPPING':
      return 'STOP_ERROR';
    case 'RESTARTING':
      return 'RESTART_ERROR';
    case 'DELETING':
      return 'DELETE_ERROR';
    default:
      return null;
  }
}
