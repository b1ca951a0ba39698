import type { QueuedAction } from './actions.js';

/**
 * Status of a deployment, i.e. of a request and its execution
 * (docs/resources.md#deployment-requests-and-deployments).
 */
export const DEPLOYMENT_RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELED', 'SKIPPED'] as const;
export type DeploymentRunStatus = (typeof DEPLOYMENT_RUN_STATUSES)[number];

export const ORIGINS = ['API', 'CLI', 'CONSOLE', 'GIT', 'SCHEDULE'] as const;
export type Origin = (typeof ORIGINS)[number];

export type Level = 'service' | 'environment';

/**
 * What a user asked for: one action on an environment
 * (docs/resources.md#deployment-requests-and-deployments).
 */
export interface RequestedAction {
  action: QueuedAction;
  level: Level;
  /** The services the action touches; for environment-level actions, resolved when it starts. */
  serviceIds: string[];
  /** Versions asked for, by service id (Deploy other version). */
  versions: Record<string, string>;
  /** Delete: keep the volumes. */
  keepData?: boolean;
  /**
   * A rollback (docs/api.md#rollback): the past deployment whose versions and settings it puts
   * back on the services it names, pinned to those versions (a Deploy other version of each).
   */
  rollbackOf?: string;
}

/** Two waiting requests with the same key are the same request and are merged. */
export function requestKey(request: RequestedAction): string {
  const versions = Object.keys(request.versions)
    .sort()
    .map((id) => `${id}=${request.versions[id]}`);
  const key = [request.action, request.level, [...request.serviceIds].sort().join(','), versions.join(','), request.keepData ? 'keep' : ''];
  // Two rollbacks to different deployments may name the same versions but restore other
  // settings; keys of other requests stay what they were (a waiting request still merges).
  if (request.rollbackOf) key.push(`rollback=${request.rollbackOf}`);
  return key.join('|');
}

export const STEP_NAMES = ['QUEUEING', 'GIT_CLONE', 'BUILD', 'PUSH', 'DEPLOY', 'EXECUTE', 'STOP', 'RESTART', 'DELETE'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STEP_STATUSES = ['RUNNING', 'SUCCESS', 'ERROR', 'CANCELED', 'SKIPPED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
