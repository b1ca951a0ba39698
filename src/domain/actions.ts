import { CANCELABLE_STATUSES, isInProgress, isTerminal, type DeploymentStatus } from './statuses.js';
import { afterDeployInWords, statusInWords } from './status-words.js';

/** Action identifiers (docs/actions.md). */
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

/**
 * "Deployment OK" or an error: old instances may still run, so Stop is offered
 * (docs/actions.md#availability).
 */
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
  if (!running) return no('CANCEL', 'nothing is running on this environment');
  if (!running.serviceStatuses.some((s) => CANCELABLE_STATUSES.has(s))) {
    return no('CANCEL', 'nothing left to cancel: no service of the running deployment is queued, building, deploying or executing');
  }
  return yes('CANCEL');
}

/** The refusal of an action while another one runs on the service: "building now: …". */
function busyReason(status: DeploymentStatus): string {
  return `${statusInWords(status)} now: wait until it ends`;
}

/**
 * Availability of one action on one service (docs/actions.md#availability). Reasons are sentences a
 * user reads in the console's Play menu: the status in the badges' words, then what to do instead.
 */
export function serviceActionAvailability(
  action: Action,
  service: ServiceView,
  running: RunningRequestView | null,
): ActionAvailability {
  const s = service.status;
  if (s === 'DELETED') return no(action, 'this service is deleted');
  switch (action) {
    case 'DEPLOY':
      if (s === 'READY') return yes(action);
      if (RESTARTABLE_STATUSES.has(s)) return no(action, 'already deployed: use Redeploy');
      if (isInProgress(s)) return no(action, `${statusInWords(s)} now: wait until it ends, then use Redeploy`);
      return no(action, `Deploy runs once, on a service never deployed; a deploy already ran (${afterDeployInWords(s)}): use Redeploy`);
    case 'REDEPLOY':
      if (s === 'READY') return no(action, 'never deployed: use Deploy');
      return isTerminal(s) ? yes(action) : no(action, busyReason(s));
    case 'STOP':
      if (STOPPABLE_STATUSES.has(s)) return yes(action);
      if (s === 'READY') return no(action, 'never deployed: nothing to stop');
      if (s === 'STOPPED') return no(action, 'already stopped');
      if (s === 'DELETE_ERROR') return no(action, 'delete failed: retry Delete, or Redeploy');
      return no(action, busyReason(s));
    case 'RESTART':
      if (RESTARTABLE_STATUSES.has(s)) return yes(action);
      if (s === 'READY') return no(action, 'never deployed: Restart needs a running deployment');
      if (isInProgress(s)) return no(action, busyReason(s));
      if (s === 'STOPPED') return no(action, 'stopped: Restart needs a running deployment; use Redeploy');
      return no(action, `${statusInWords(s)}: Restart needs a successful deployment; use Redeploy`);
    case 'CANCEL':
      return cancelAvailability(running);
    case 'DEPLOY_VERSION':
      return yes(action);
    case 'DEPLOY_LATEST':
      return no(action, "Deploy latest version is an environment action: use the environment's Play menu");
    case 'DELETE':
      return isTerminal(s) ? yes(action) : no(action, busyReason(s));
  }
}

/**
 * Availability of one action on a whole environment (docs/actions.md#availability), with reasons in
 * the console's words.
 */
export function environmentActionAvailability(
  action: Action,
  services: readonly ServiceView[],
  running: RunningRequestView | null,
): ActionAvailability {
  const statuses = services.map((s) => s.status).filter((s) => s !== 'DELETED');
  const busy = statuses.find((s) => isInProgress(s));
  const busyEnvironment = (s: DeploymentStatus) => `a service is ${statusInWords(s)} now: wait until it ends`;
  switch (action) {
    case 'DEPLOY':
      if (statuses.length === 0) return no(action, 'the environment has no services');
      return statuses.every((s) => s === 'READY')
        ? yes(action)
        : no(action, 'Deploy is for an environment never deployed; some services were deployed before: use Redeploy');
    case 'REDEPLOY':
      if (!statuses.some((s) => s !== 'READY')) return no(action, 'never deployed: use Deploy');
      return busy ? no(action, busyEnvironment(busy)) : yes(action);
    case 'STOP':
      return statuses.some((s) => STOPPABLE_STATUSES.has(s))
        ? yes(action)
        : no(action, 'nothing to stop: no service is deployed, failed or canceled');
    case 'RESTART':
      return no(action, "Restart is a service action: use a service's Play menu");
    case 'CANCEL':
      return cancelAvailability(running);
    case 'DEPLOY_VERSION':
      return no(action, "Deploy other version is a service action: use a service's Play menu");
    case 'DEPLOY_LATEST':
      return yes(action);
    case 'DELETE':
      return busy ? no(action, busyEnvironment(busy)) : yes(action);
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
