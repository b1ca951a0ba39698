import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTIONS,
  DEPLOYMENT_STATUSES,
  canTransition,
  isTerminal,
  environmentActionAvailability,
  environmentActions,
  operationOf,
  queuedStatusOf,
  serviceActionAvailability,
  serviceActions,
  type Action,
  type ActionAvailability,
  type DeploymentStatus,
  type RunningRequestView,
  type ServiceView,
} from '../../../src/domain/index.js';

test('the action identifiers are the documented ones', () => {
  assert.deepEqual(
    [...ACTIONS].sort(),
    ['CANCEL', 'DELETE', 'DEPLOY', 'DEPLOY_LATEST', 'DEPLOY_VERSION', 'REDEPLOY', 'RESTART', 'STOP'],
  );
});

/**
 * Service-level availability, with no request running, written from docs/actions.md#availability:
 * - Deploy: READY.
 * - Redeploy: deploy triggered at least once (not READY) and terminal.
 * - Stop: DEPLOYED, RESTARTED, DEPLOYMENT_ERROR, BUILD_ERROR, RESTART_ERROR, STOP_ERROR, CANCELED.
 * - Restart: DEPLOYED or RESTARTED.
 * - Cancel: needs a running request (tested below).
 * - Deploy other version: always.
 * - Deploy latest: environment level only.
 * - Delete: terminal.
 * A DELETED service is gone: nothing is offered on it (the "always" and "terminal" of
 * docs/actions.md#availability are read as applying to services that still exist).
 */
const TERMINAL_REDEPLOYABLE: Action[] = ['REDEPLOY', 'DEPLOY_VERSION', 'DELETE'];
const IN_PROGRESS_ONLY: Action[] = ['DEPLOY_VERSION'];
const EXPECTED_SERVICE: Record<DeploymentStatus, Action[]> = {
  READY: ['DEPLOY', 'DEPLOY_VERSION', 'DELETE'],
  DEPLOYED: [...TERMINAL_REDEPLOYABLE, 'STOP', 'RESTART'],
  RESTARTED: [...TERMINAL_REDEPLOYABLE, 'STOP', 'RESTART'],
  BUILD_ERROR: [...TERMINAL_REDEPLOYABLE, 'STOP'],
  DEPLOYMENT_ERROR: [...TERMINAL_REDEPLOYABLE, 'STOP'],
  RESTART_ERROR: [...TERMINAL_REDEPLOYABLE, 'STOP'],
  STOP_ERROR: [...TERMINAL_REDEPLOYABLE, 'STOP'],
  CANCELED: [...TERMINAL_REDEPLOYABLE, 'STOP'],
  STOPPED: TERMINAL_REDEPLOYABLE,
  DELETE_ERROR: TERMINAL_REDEPLOYABLE,
  DELETED: [],
  QUEUED: IN_PROGRESS_ONLY,
  BUILDING: IN_PROGRESS_ONLY,
  DEPLOYING: IN_PROGRESS_ONLY,
  EXECUTING: IN_PROGRESS_ONLY,
  CANCELING: IN_PROGRESS_ONLY,
  STOP_QUEUED: IN_PROGRESS_ONLY,
  STOPPING: IN_PROGRESS_ONLY,
  RESTART_QUEUED: IN_PROGRESS_ONLY,
  RESTARTING: IN_PROGRESS_ONLY,
  DELETE_QUEUED: IN_PROGRESS_ONLY,
  DELETING: IN_PROGRESS_ONLY,
};

function assertShape(result: ActionAvailability, action: Action, context: string): void {
  assert.equal(result.action, action, `${context}: action field`);
  if (result.available) {
    assert.equal(result.reason, undefined, `${context}: an available action has no reason`);
  } else {
    assert.equal(typeof result.reason, 'string', `${context}: a refusal has a reason`);
    assert.ok(result.reason!.trim().length > 0, `${context}: a refusal has a non-empty reason`);
  }
}

test('service level: every action on every one of the 22 statuses is available exactly as documented', () => {
  for (const status of DEPLOYMENT_STATUSES) {
    for (const action of ACTIONS) {
      const result = serviceActionAvailability(action, { status }, null);
      const context = `${action} on a ${status} service`;
      assertShape(result, action, context);
      assert.equal(result.available, EXPECTED_SERVICE[status].includes(action), context);
    }
  }
});

test('service level: serviceActions lists every action once, in ACTIONS order, agreeing with serviceActionAvailability', () => {
  for (const status of DEPLOYMENT_STATUSES) {
    const list = serviceActions({ status }, null);
    assert.deepEqual(
      list.map((a) => a.action),
      [...ACTIONS],
    );
    for (const a of list) assert.deepEqual(a, serviceActionAvailability(a.action, { status }, null));
  }
});

const CANCELABLE: DeploymentStatus[] = ['QUEUED', 'BUILDING', 'DEPLOYING', 'EXECUTING'];

test('service level: Cancel is available when the running request has a QUEUED, BUILDING, DEPLOYING or EXECUTING service', () => {
  for (const status of DEPLOYMENT_STATUSES) {
    if (status === 'DELETED') continue;
    for (const inRequest of DEPLOYMENT_STATUSES) {
      // The request also holds a service already done, which must not matter.
      const running: RunningRequestView = { serviceStatuses: ['DEPLOYED', inRequest] };
      const result = serviceActionAvailability('CANCEL', { status }, running);
      assertShape(result, 'CANCEL', `Cancel on ${status} with a running ${inRequest}`);
      assert.equal(result.available, CANCELABLE.includes(inRequest), `Cancel on ${status} with a running ${inRequest}`);
    }
    const none = serviceActionAvailability('CANCEL', { status }, null);
    assert.equal(none.available, false, `Cancel on ${status} with nothing running`);
    assertShape(none, 'CANCEL', `Cancel on ${status} with nothing running`);
  }
});

// ---- Reasons: sentences in the console's words -----------------------------------------

function reasonOn(action: Action, status: DeploymentStatus, running: RunningRequestView | null = null): string | undefined {
  return serviceActionAvailability(action, { status }, running).reason;
}

test("service level: the reasons describe the status as the console's badges do and say what to do", () => {
  assert.equal(reasonOn('DEPLOY', 'DEPLOYED'), 'already deployed: use Redeploy');
  assert.equal(reasonOn('DEPLOY', 'RESTARTED'), 'already deployed: use Redeploy');
  assert.equal(
    reasonOn('DEPLOY', 'DEPLOYMENT_ERROR'),
    'Deploy runs once, on a service never deployed; a deploy already ran (it failed): use Redeploy',
  );
  assert.equal(
    reasonOn('DEPLOY', 'BUILD_ERROR'),
    'Deploy runs once, on a service never deployed; a deploy already ran (its build failed): use Redeploy',
  );
  assert.equal(
    reasonOn('DEPLOY', 'STOPPED'),
    'Deploy runs once, on a service never deployed; a deploy already ran (it is stopped): use Redeploy',
  );
  assert.equal(reasonOn('DEPLOY', 'BUILDING'), 'building now: wait until it ends, then use Redeploy');
  assert.equal(reasonOn('REDEPLOY', 'READY'), 'never deployed: use Deploy');
  assert.equal(reasonOn('REDEPLOY', 'STOP_QUEUED'), 'queued to stop now: wait until it ends');
  assert.equal(reasonOn('STOP', 'READY'), 'never deployed: nothing to stop');
  assert.equal(reasonOn('STOP', 'STOPPED'), 'already stopped');
  assert.equal(reasonOn('STOP', 'DELETE_ERROR'), 'delete failed: retry Delete, or Redeploy');
  assert.equal(reasonOn('RESTART', 'READY'), 'never deployed: Restart needs a running deployment');
  assert.equal(reasonOn('RESTART', 'STOPPED'), 'stopped: Restart needs a running deployment; use Redeploy');
  assert.equal(reasonOn('RESTART', 'DEPLOYMENT_ERROR'), 'deployment failed: Restart needs a successful deployment; use Redeploy');
  assert.equal(reasonOn('RESTART', 'DEPLOYING'), 'deploying now: wait until it ends');
  assert.equal(reasonOn('DELETE', 'EXECUTING'), 'executing now: wait until it ends');
  assert.equal(reasonOn('DEPLOY_LATEST', 'DEPLOYED'), "Deploy latest version is an environment action: use the environment's Play menu");
  assert.equal(reasonOn('DEPLOY', 'DELETED'), 'this service is deleted');
  assert.equal(reasonOn('CANCEL', 'DEPLOYED'), 'nothing is running on this environment');
  assert.equal(
    reasonOn('CANCEL', 'DEPLOYED', { serviceStatuses: ['DEPLOYED'] }),
    'nothing left to cancel: no service of the running deployment is queued, building, deploying or executing',
  );
});

test('environment level: the reasons are sentences in the same words', () => {
  const reason = (action: Action, ...statuses: DeploymentStatus[]) => environmentActionAvailability(action, env(...statuses), null).reason;
  assert.equal(reason('DEPLOY'), 'the environment has no services');
  assert.equal(
    reason('DEPLOY', 'READY', 'DEPLOYMENT_ERROR'),
    'Deploy is for an environment never deployed; some services were deployed before: use Redeploy',
  );
  assert.equal(reason('REDEPLOY', 'READY'), 'never deployed: use Deploy');
  assert.equal(reason('REDEPLOY', 'DEPLOYED', 'BUILDING'), 'a service is building now: wait until it ends');
  assert.equal(reason('DELETE', 'DELETING'), 'a service is deleting now: wait until it ends');
  assert.equal(reason('STOP', 'READY', 'STOPPED'), 'nothing to stop: no service is deployed, failed or canceled');
  assert.equal(reason('RESTART', 'DEPLOYED'), "Restart is a service action: use a service's Play menu");
  assert.equal(reason('DEPLOY_VERSION', 'DEPLOYED'), "Deploy other version is a service action: use a service's Play menu");
});

/** A status code as a whole word (`DEPLOYMENT_ERROR`, `READY`…): what a reason must not show. */
const STATUS_CODE = new RegExp(`\\b(${DEPLOYMENT_STATUSES.join('|')})\\b`);

test('no reason, on any status, shows a raw status code', () => {
  const runnings: Array<RunningRequestView | null> = [null, { serviceStatuses: ['DEPLOYED'] }, { serviceStatuses: ['BUILDING'] }];
  for (const status of DEPLOYMENT_STATUSES) {
    for (const action of ACTIONS) {
      for (const running of runnings) {
        const service = serviceActionAvailability(action, { status }, running).reason ?? '';
        assert.doesNotMatch(service, STATUS_CODE, `${action} on a ${status} service: "${service}"`);
        const environment = environmentActionAvailability(action, env('READY', status), running).reason ?? '';
        assert.doesNotMatch(environment, STATUS_CODE, `${action} on an environment with a ${status} service: "${environment}"`);
      }
    }
  }
});

// ---- Environment level -------------------------------------------------------------------

function env(...statuses: DeploymentStatus[]): ServiceView[] {
  return statuses.map((status) => ({ status }));
}

function available(action: Action, services: ServiceView[], running: RunningRequestView | null = null): boolean {
  const result = environmentActionAvailability(action, services, running);
  assertShape(result, action, `${action} on [${services.map((s) => s.status).join(', ')}]`);
  return result.available;
}

test('environment level: Deploy when every service is READY, and only then', () => {
  assert.equal(available('DEPLOY', env('READY')), true);
  assert.equal(available('DEPLOY', env('READY', 'READY', 'READY')), true);
  for (const other of DEPLOYMENT_STATUSES) {
    if (other === 'READY' || other === 'DELETED') continue;
    assert.equal(available('DEPLOY', env('READY', other, 'READY')), false, `Deploy with a ${other} service`);
  }
  assert.equal(available('DEPLOY', env('DEPLOYED', 'DEPLOYED')), false);
});

test('environment level: no Redeploy when no service was ever deployed', () => {
  assert.equal(available('REDEPLOY', env('READY')), false);
  assert.equal(available('REDEPLOY', env('READY', 'READY')), false);
});

test('environment level: Redeploy when one service was ever deployed and none is in progress', () => {
  assert.equal(available('REDEPLOY', env('READY', 'DEPLOYED')), true);
  assert.equal(available('REDEPLOY', env('STOPPED', 'READY')), true);
  assert.equal(available('REDEPLOY', env('DEPLOYMENT_ERROR', 'CANCELED', 'STOPPED')), true);
});

const IN_PROGRESS: DeploymentStatus[] = [
  'QUEUED',
  'BUILDING',
  'DEPLOYING',
  'EXECUTING',
  'CANCELING',
  'STOP_QUEUED',
  'STOPPING',
  'RESTART_QUEUED',
  'RESTARTING',
  'DELETE_QUEUED',
  'DELETING',
];

test('environment level: one service in progress forbids Redeploy and Delete', () => {
  for (const busy of IN_PROGRESS) {
    const services = env('DEPLOYED', busy, 'STOPPED');
    assert.equal(available('REDEPLOY', services), false, `Redeploy with a ${busy} service`);
    assert.equal(available('DELETE', services), false, `Delete with a ${busy} service`);
  }
  assert.equal(available('DELETE', env('DEPLOYED', 'STOPPED', 'READY', 'DELETE_ERROR')), true);
});

const STOPPABLE: DeploymentStatus[] = [
  'DEPLOYED',
  'RESTARTED',
  'DEPLOYMENT_ERROR',
  'BUILD_ERROR',
  'RESTART_ERROR',
  'STOP_ERROR',
  'CANCELED',
];

test('environment level: Stop when at least one service is stoppable', () => {
  for (const s of STOPPABLE) {
    assert.equal(available('STOP', env('READY', 'STOPPED', s)), true, `Stop with a ${s} service`);
  }
  for (const s of DEPLOYMENT_STATUSES) {
    if (STOPPABLE.includes(s)) continue;
    assert.equal(available('STOP', env('READY', 'STOPPED', s)), false, `Stop with only ${s} beside READY/STOPPED`);
  }
});

test('environment level: Restart is never available, Deploy other version neither, Deploy latest always', () => {
  const mixes = [
    env(),
    env('DEPLOYED'),
    env('RESTARTED', 'DEPLOYED'),
    env('READY'),
    env('BUILDING', 'DEPLOYED'),
    env('STOPPED'),
  ];
  for (const services of mixes) {
    assert.equal(available('RESTART', services), false);
    assert.equal(available('DEPLOY_VERSION', services), false);
    assert.equal(available('DEPLOY_LATEST', services), true);
    assert.equal(available('DEPLOY_LATEST', services, { serviceStatuses: ['BUILDING'] }), true);
  }
});

test('environment level: Cancel only while the running request has a QUEUED, BUILDING, DEPLOYING or EXECUTING service', () => {
  const services = env('DEPLOYED', 'BUILDING');
  assert.equal(available('CANCEL', services, null), false, 'nothing running');
  for (const s of DEPLOYMENT_STATUSES) {
    assert.equal(
      available('CANCEL', services, { serviceStatuses: ['DEPLOYED', s, 'CANCELED'] }),
      CANCELABLE.includes(s),
      `running request with a ${s} service`,
    );
  }
  assert.equal(available('CANCEL', services, { serviceStatuses: [] }), false, 'running request with no services');
});

test('environment level: an empty environment offers Delete and Deploy latest, refuses the rest with a reason', () => {
  const actual = environmentActions([], null);
  assert.deepEqual(
    actual.map((a) => a.action),
    [...ACTIONS],
  );
  for (const a of actual) assertShape(a, a.action, `${a.action} on an empty environment`);
  const offered = actual.filter((a) => a.available).map((a) => a.action);
  assert.deepEqual(offered.sort(), ['DELETE', 'DEPLOY_LATEST']);
});

test('environment level: all DEPLOYED offers Redeploy, Stop, Delete, Deploy latest', () => {
  const offered = environmentActions(env('DEPLOYED', 'DEPLOYED', 'RESTARTED'), null)
    .filter((a) => a.available)
    .map((a) => a.action);
  assert.deepEqual(offered.sort(), ['DELETE', 'DEPLOY_LATEST', 'REDEPLOY', 'STOP']);
});

// ---- operationOf / queuedStatusOf --------------------------------------------------------

test('operationOf: deploy-like actions deploy; Stop, Restart, Delete do their own', () => {
  assert.equal(operationOf('DEPLOY'), 'deploy');
  assert.equal(operationOf('REDEPLOY'), 'deploy');
  assert.equal(operationOf('DEPLOY_VERSION'), 'deploy');
  assert.equal(operationOf('DEPLOY_LATEST'), 'deploy');
  assert.equal(operationOf('STOP'), 'stop');
  assert.equal(operationOf('RESTART'), 'restart');
  assert.equal(operationOf('DELETE'), 'delete');
});

test('queuedStatusOf gives the first status of each action status path', () => {
  assert.equal(queuedStatusOf('deploy'), 'QUEUED');
  assert.equal(queuedStatusOf('stop'), 'STOP_QUEUED');
  assert.equal(queuedStatusOf('restart'), 'RESTART_QUEUED');
  assert.equal(queuedStatusOf('delete'), 'DELETE_QUEUED');
});

test('an action available on a terminal service leads to a transition the state machine allows', () => {
  for (const status of DEPLOYMENT_STATUSES) {
    if (!isTerminal(status)) continue;
    for (const action of ACTIONS) {
      if (action === 'CANCEL') continue;
      if (!serviceActionAvailability(action, { status }, null).available) continue;
      const queued = queuedStatusOf(operationOf(action));
      assert.equal(canTransition(status, queued), true, `${action} on ${status} needs ${status} → ${queued}`);
    }
  }
});
