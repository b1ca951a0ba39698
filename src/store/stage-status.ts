import type { DeploymentStatus, StepStatus } from '../domain/index.js';

type Phase = 'pending' | 'running' | 'success' | 'error' | 'canceled';

/** Where a service of a deployment stands, as far as its stage is concerned. */
function phaseOf(status: DeploymentStatus): Phase {
  switch (status) {
    case 'READY':
    case 'QUEUED':
    case 'STOP_QUEUED':
    case 'RESTART_QUEUED':
    case 'DELETE_QUEUED':
      return 'pending';
    case 'BUILDING':
    case 'DEPLOYING':
    case 'EXECUTING':
    case 'STOPPING':
    case 'RESTARTING':
    case 'DELETING':
    case 'CANCELING':
      return 'running';
    case 'DEPLOYED':
    case 'STOPPED':
    case 'RESTARTED':
    case 'DELETED':
      return 'success';
    case 'CANCELED':
      return 'canceled';
    case 'BUILD_ERROR':
    case 'DEPLOYMENT_ERROR':
    case 'STOP_ERROR':
    case 'RESTART_ERROR':
    case 'DELETE_ERROR':
      return 'error';
  }
}

/**
 * A stage's status from its services' statuses in this deployment: PENDING while none has
 * started, RUNNING while any runs or waits after another started, then ERROR if any failed,
 * CANCELED if any was canceled, SUCCESS otherwise.
 */
export function stageStatus(statuses: readonly DeploymentStatus[]): StepStatus | 'PENDING' {
  const phases = statuses.map(phaseOf);
  if (phases.every((p) => p === 'pending')) return 'PENDING';
  if (phases.some((p) => p === 'running' || p === 'pending')) return 'RUNNING';
  if (phases.includes('error')) return 'ERROR';
  if (phases.includes('canceled')) return 'CANCELED';
  return 'SUCCESS';
}
