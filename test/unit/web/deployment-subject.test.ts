import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deploymentSubject, describeOutcome } from '../../../web/src/deployment-subject.js';

/** How the console names a request's services (queue, history, toasts) and tells how it ended. */

const web = { serviceId: 'a', name: 'web' };
const api = { serviceId: 'b', name: 'api' };
const deleted = { serviceId: 'c', name: null };

test('a request is named by its services, a deleted one included', () => {
  const table: Array<[Parameters<typeof deploymentSubject>[0], string]> = [
    [{ level: 'service', services: [web] }, 'web'],
    [{ level: 'service', services: [web, api] }, 'web, api'],
    [{ level: 'service', services: [deleted] }, 'a deleted service'],
    [{ level: 'service', services: [] }, 'service'],
    [{ level: 'environment', services: [] }, 'environment'],
    [{ level: 'environment', services: [web, api] }, 'environment (web, api)'],
  ];
  for (const [d, words] of table) assert.equal(deploymentSubject(d), words);
});

test('an ending is told in words; a failure with its reason', () => {
  assert.equal(describeOutcome({ action: 'REDEPLOY', level: 'service', services: [web] }, 'SUCCESS', null), 'Redeploy web succeeded');
  assert.equal(describeOutcome({ action: 'DEPLOY', level: 'service', services: [api] }, 'ERROR', 'image not found'), 'Deploy api failed: image not found');
  assert.equal(describeOutcome({ action: 'STOP', level: 'environment', services: [web] }, 'CANCELED', 'canceled by bootstrap'), 'Stop environment (web) was canceled');
  assert.equal(describeOutcome({ action: 'DEPLOY_VERSION', level: 'service', services: [web] }, 'SUCCESS', null), 'Deploy other version web succeeded');
});
