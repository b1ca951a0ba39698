import { isInProgress, type DeploymentStatus } from './statuses.js';

/**
 * A deployment status as the words a user reads on the console's badges ("never deployed",
 * "deployed", "build failed", "stopped"…), for sentences such as an action's refusal reason:
 * users see badges, not the API's codes.
 */
const WORDS: Record<DeploymentStatus, string> = {
  READY: 'never deployed',
  QUEUED: 'queued',
  BUILDING: 'building',
  BUILD_ERROR: 'build failed',
  DEPLOYING: 'deploying',
  EXECUTING: 'executing',
  DEPLOYED: 'deployed',
  DEPLOYMENT_ERROR: 'deployment failed',
  STOP_QUEUED: 'queued to stop',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
  STOP_ERROR: 'stop failed',
  RESTART_QUEUED: 'queued to restart',
  RESTARTING: 'restarting',
  RESTARTED: 'restarted',
  RESTART_ERROR: 'restart failed',
  CANCELING: 'canceling',
  CANCELED: 'canceled',
  DELETE_QUEUED: 'queued for deletion',
  DELETING: 'deleting',
  DELETED: 'deleted',
  DELETE_ERROR: 'delete failed',
};

export function statusInWords(status: DeploymentStatus): string {
  return WORDS[status];
}

/** What became of a service deployed before, in words: "it failed", "it is stopped"… */
export function afterDeployInWords(status: DeploymentStatus): string {
  if (isInProgress(status)) return `it is ${statusInWords(status)}`;
  switch (status) {
    case 'DEPLOYED':
    case 'RESTARTED':
      return 'it is deployed';
    case 'STOPPED':
      return 'it is stopped';
    case 'CANCELED':
      return 'it was canceled';
    case 'DEPLOYMENT_ERROR':
      return 'it failed';
    default:
      return `its ${statusInWords(status)}`;
  }
}
