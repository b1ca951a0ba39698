import type { DeploymentStatus, RunningStatus } from './statuses.js';
import { RUNNING_STATUSES } from './statuses.js';

/**
 * The environment's deployment status: the first rule of
 * docs/environment-status.md#deployment-status that matches. Each rule is a list of (environment
 * status, service statuses that trigger it).
 */
const RULES: ReadonlyArray<readonly [DeploymentStatus, readonly DeploymentStatus[]]> = [
  ['CANCELING', ['CANCELING']],
  ['DEPLOYING', ['DEPLOYING', 'EXECUTING']],
  ['BUILDING', ['BUILDING']],
  ['QUEUED', ['QUEUED']],
  ['STOPPING', ['STOPPING']],
  ['RESTARTING', ['RESTARTING']],
  ['DELETING', ['DELETING']],
  ['STOP_QUEUED', ['STOP_QUEUED']],
  ['RESTART_QUEUED', ['RESTART_QUEUED']],
  ['DELETE_QUEUED', ['DELETE_QUEUED']],
  ['DEPLOYMENT_ERROR', ['BUILD_ERROR', 'DEPLOYMENT_ERROR']],
  ['STOP_ERROR', ['STOP_ERROR']],
  ['RESTART_ERROR', ['RESTART_ERROR']],
  ['DELETE_ERROR', ['DELETE_ERROR']],
  ['CANCELED', ['CANCELED']],
  ['DEPLOYED', ['DEPLOYED', 'RESTARTED']],
  ['STOPPED', ['STOPPED']],
];

export function environmentStatus(services: readonly DeploymentStatus[]): DeploymentStatus {
  for (const [result, triggers] of RULES) {
    if (services.some((s) => triggers.includes(s))) return result;
  }
  if (services.length > 0 && services.every((s) => s === 'DELETED')) return 'DELETED';
  return 'READY';
}

/**
 * The environment's running status (docs/environment-status.md#running-status): ERROR when every
 * service is in ERROR, WARNING when some are in ERROR or WARNING, otherwise the most common of the
 * rest (ties go to the status listed first in RUNNING_STATUSES). No service at all is STOPPED:
 * nothing runs.
 */
export function environmentRunningStatus(services: readonly RunningStatus[]): RunningStatus {
  if (services.length === 0) return 'STOPPED';
  if (services.every((s) => s === 'ERROR')) return 'ERROR';
  if (services.some((s) => s === 'ERROR' || s === 'WARNING')) return 'WARNING';
  let best: RunningStatus = 'UNKNOWN';
  let bestCount = 0;
  for (const candidate of RUNNING_STATUSES) {
    const count = services.filter((s) => s === candidate).length;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}
