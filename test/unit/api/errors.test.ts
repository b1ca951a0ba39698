import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES, DomainError } from '../../../src/domain/errors.js';
import { ActionNotAvailableError, EnvironmentBusyError } from '../../../src/engine/control-plane.js';
import { GitError } from '../../../src/build/git-client.js';
import { RegistryError } from '../../../src/build/registry-client.js';
import { ERROR_STATUS, notFound, toAnswer, validationFailed } from '../../../src/api/errors.js';

test('the status table covers exactly the codes of the domain', () => {
  assert.deepEqual(Object.keys(ERROR_STATUS).sort(), [...ERROR_CODES].sort());
});

test('every error a layer throws is answered with its code, message and details', () => {
  assert.deepEqual(toAnswer(new ActionNotAvailableError('RESTART is not available: never deployed', { action: 'RESTART', reason: 'never deployed' })), {
    code: 'ACTION_NOT_AVAILABLE',
    message: 'RESTART is not available: never deployed',
    details: { action: 'RESTART', reason: 'never deployed' },
  });
  assert.deepEqual(toAnswer(new EnvironmentBusyError('d1')), {
    code: 'ENVIRONMENT_BUSY',
    message: 'another action is running on this environment',
    details: { runningDeploymentId: 'd1' },
  });
  assert.deepEqual(toAnswer(notFound('stage')), { code: 'NOT_FOUND', message: 'stage not found' });
  assert.deepEqual(toAnswer(validationFailed([{ field: 'body/name', message: 'is required' }])), {
    code: 'VALIDATION_FAILED',
    message: 'the request is not valid',
    details: [{ field: 'body/name', message: 'is required' }],
  });
  assert.deepEqual(toAnswer(new DomainError('UNAUTHORIZED', 'the API token is not valid')), { code: 'UNAUTHORIZED', message: 'the API token is not valid' });
});

test('a finer cause is answered as the code it refines; an internal one as unexpected', () => {
  assert.deepEqual(toAnswer(new DomainError('ILLEGAL_TRANSITION', 'a service cannot go from READY to STOPPING')), {
    code: 'CONFLICT',
    message: 'a service cannot go from READY to STOPPING',
  });
  assert.equal(toAnswer(new GitError('cannot read the remote'))?.code, 'UPSTREAM_UNAVAILABLE');
  assert.equal(toAnswer(new RegistryError('REGISTRY_UNAUTHORIZED', 'refused'))?.code, 'UPSTREAM_UNAVAILABLE');
  assert.equal(toAnswer(new RegistryError('NOT_FOUND', 'no such tag'))?.code, 'NOT_FOUND');
  assert.equal(toAnswer(new DomainError('NO_FREE_HOST_PORT', 'no free host port left')), null);
  assert.equal(toAnswer(new Error('boom')), null);
});
