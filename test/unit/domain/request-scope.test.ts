import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servicesTouched, unavailableReason, type DeploymentStatus, type RequestedAction } from '../../../src/domain/index.js';

const svc = (id: string, status: DeploymentStatus, skipEnvironmentActions = false) => ({ id, status, skipEnvironmentActions });
const envRequest = (action: RequestedAction['action'], serviceIds: string[] = []): RequestedAction => ({ action, level: 'environment', serviceIds, versions: {} });

test('environment Redeploy touches every service but skipped and deleted ones, whatever their status', () => {
  const services = [svc('a', 'DEPLOYED'), svc('b', 'STOPPED'), svc('c', 'READY'), svc('d', 'DEPLOYED', true), svc('e', 'DELETED')];
  assert.deepEqual(servicesTouched(envRequest('REDEPLOY'), services).map((s) => s.id), ['a', 'b', 'c']);
});

test('environment Stop touches only the services that can be stopped', () => {
  const services = [svc('a', 'DEPLOYED'), svc('b', 'STOPPED'), svc('c', 'READY'), svc('d', 'DEPLOYMENT_ERROR'), svc('e', 'CANCELED')];
  assert.deepEqual(servicesTouched(envRequest('STOP'), services).map((s) => s.id), ['a', 'd', 'e']);
});

test('service-level requests and Deploy latest touch the services they name', () => {
  const services = [svc('a', 'DEPLOYED'), svc('b', 'DEPLOYED', true)];
  assert.deepEqual(servicesTouched({ action: 'RESTART', level: 'service', serviceIds: ['b'], versions: {} }, services).map((s) => s.id), ['b']);
  assert.deepEqual(servicesTouched(envRequest('DEPLOY_LATEST', ['b']), services).map((s) => s.id), ['b']);
});

test('a request whose action no longer holds gets the reason; one that holds gets null', () => {
  const deployed = [svc('a', 'DEPLOYED')];
  const service = (action: RequestedAction['action']): RequestedAction => ({ action, level: 'service', serviceIds: ['a'], versions: {} });
  assert.match(unavailableReason(service('DEPLOY'), deployed, deployed) ?? '', /already deployed/);
  assert.equal(unavailableReason(service('RESTART'), deployed, deployed), null);
  assert.equal(unavailableReason(service('RESTART'), deployed, []), 'the service no longer exists');
  assert.match(unavailableReason(envRequest('DEPLOY'), deployed, deployed) ?? '', /some services were deployed before: use Redeploy/);
  assert.equal(unavailableReason(envRequest('DEPLOY_LATEST', ['x']), deployed, []), 'none of the chosen services exists any more');
  assert.equal(unavailableReason(envRequest('REDEPLOY'), deployed, deployed), null);
});
