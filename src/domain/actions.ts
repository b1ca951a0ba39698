import { CANCELABLE_STATUSES, isInProgress, isTerminal, type DeploymentStatus } from './statuses.js';

/** Action identifiers (SPEC §4.1). */
export const ACTIONS = ['DEPLOY', 'REDEPLOY', 'STOP', 'RESTART', 'CANCEL', 'DEPLOY_VERSION', 'DEPLOY_LATEST', 'DELETE'] as const;
export type Action = (typeof ACTIONS)[number];

/** The actions that put a request in the queue (Cancel acts on the running request instead). */
export type QueuedAction = Exclude<Action, 'CANCEL'>;

export type ActionLevel = 'service' | 'environment';

export interface ActionAvailability {
  action: Action;
  available: boolean;
  reason?: string;
}

/** "Deployment OK" or an error: old instances may still run, so Stop is offered (SPEC §4.1). */
export const STOPPABLE_STATUSES: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>([
  'DEPLOYED',
  'RESTARTED',
  'DEPLOYMENT_ERROR',
  'BUILD_ERROR',
  'RESTART_ERROR',
  'STOP_ERROR',
  'CANCELED',
]);

const RESTARTABLE_STATUSES: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>(['DEPLOYED', 'RESTARTED']);

/** What availability needs to know of the request running on the environment, if any. */
export interface RunningRequestView {
  /** The deployment statuses of the services that request touches. */
  serviceStatuses: DeploymentStatus[];
}

export interface ServiceView {
  status: DeploymentStatus;
}

function yes(action: Action): ActionAvailability {
  return { action, available: true };
}

function no(action: Action, reason: string): ActionAvailability {
  return { action, available: false, reason };
}

function cancelAvailability(running: RunningRequestView | null): ActionAvailability {
  if (!running) return no('CANCEL', 'no deployment is running on this environment');
  if (!running.serviceStatuses.some((s) => CANCELABLE_STATUSES.has(s))) {
    return no('CANCEL', 'the running deployment has no service left that is QUEUED, BUILDING, DEPLOYING or EXECUTING');
  }
  return yes('CANCEL');
}

/** Availability of one action on one service (SPEC §4.1). */
export function serviceActionAvailability(
  action: Action,
  service: ServiceView,
  running: RunningRequestView | null,
): ActionAvailability {
  const s = service.status;
  if (s === 'DELETED') return no(action, 'the service is deleted');
  switch (action) {
    case 'DEPLOY':
      return s === 'READY' ? yes(action) : no(action, `the service was already deployed (status ${s}); use Redeploy`);
    case 'REDEPLOY':
      if (s === 'READY') return no(action, 'the service was never deployed; use Deploy');
      return isTerminal(s) ? yes(action) : no(action, `an action is in progress (status ${s})`);
    case 'STOP':
      return STOPPABLE_STATUSES.has(s)
        ? yes(action)
        : no(action, `Stop needs a deployed or failed service, and the status is ${s}`);
    case 'RESTART':
      return RESTARTABLE_STATUSES.has(s)
        ? yes(action)
        : no(action, `Restart needs a DEPLOYED or RESTARTED service, and the status is ${s}`);
    case 'CANCEL':
      return cancelAvailability(running);
    case 'DEPLOY_VERSION':
      return yes(action);
    case 'DEPLOY_LATEST':
      return no(action, 'Deploy latest version is an environment action');
    case 'DELETE':
      return isTerminal(s) ? yes(action) : no(action, `an action is in progress (status ${s})`);
  }
}

/** Availability of one action on a whole environment (SPEC §4.1). */
export function environmentActionAvailability(
  action: Action,
  services: readonly ServiceView[],
  running: RunningRequestView | null,
): ActionAvailability {
  const statuses = services.map((s) => s.status).filter((s) => s !== 'DELETED');
  const busy = statuses.find((s) => isInProgress(s));
  switch (action) {
    case 'DEPLOY':
      if (statuses.length === 0) return no(action, 'the environment has no services');
      return statuses.every((s) => s === 'READY')
        ? yes(action)
        : no(action, 'some services were already deployed; use Redeploy');
    case 'REDEPLOY':
      if (!statuses.some((s) => s !== 'READY')) return no(action, 'no service of the environment was ever deployed; use Deploy');
      return busy ? no(action, `an action is in progress (a service is ${busy})`) : yes(action);
    case 'STOP':
      return statuses.some((s) => STOPPABLE_STATUSES.has(s))
        ? yes(action)
        : no(action, 'no service is deployed or in error');
    case 'RESTART':
      return no(action, 'Restart is available on a single service only');
    case 'CANCEL':
      return cancelAvailability(running);
    case 'DEPLOY_VERSION':
      return no(action, 'Deploy other version is a service action');
    case 'DEPLOY_LATEST':
      return yes(action);
    case 'DELETE':
      return busy ? no(action, `an action is in progress (a service is ${busy})`) : yes(action);
  }
}

export function serviceActions(service: ServiceView, running: RunningRequestView | null): ActionAvailability[] {
  return ACTIONS.map((a) => serviceActionAvailability(a, service, running));
}

export function environmentActions(services: readonly ServiceView[], running: RunningRequestView | null): ActionAvailability[] {
  return ACTIONS.map((a) => environmentActionAvailability(a, services, running));
}

/** The kind of work an action does on each service it touches. */
export type ServiceOperation = 'deploy' | 'stop' | 'restart' | 'delete';

export function operationOf(action: QueuedAction): ServiceOperation {
  switch (action) {
    case 'DEPLOY':
    case 'REDEPLOY':
    case 'DEPLOY_VERSION':
    case 'DEPLOY_LATEST':
      return 'deploy';
    case 'STOP':
      return 'stop';
    case 'RESTART':
      return 'restart';
    case 'DELETE':
      return 'delete';
  }
}

/** The queued status a service takes when a request with that operation starts. */
export function queuedStatusOf(operation: ServiceOperation): DeploymentStatus {
  switch (operation) {
    case 'deploy':
      return 'QUEUED';
    case 'stop':
      return 'STOP_QUEUED';
    case 'restart':
      return 'RESTART_QUEUED';
    case 'delete':
      return 'DELETE_QUEUED';
  }
}
