import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError, ERROR_CAUSES, ERROR_CODES, answeredCode, errorMessage } from '../../../src/domain/errors.js';

test('every finer cause is answered as one of the codes a client reads', () => {
  for (const [cause, code] of Object.entries(ERROR_CAUSES)) {
    assert.ok((ERROR_CODES as readonly string[]).includes(code), `${cause} refines ${code}`);
    assert.ok(!(ERROR_CODES as readonly string[]).includes(cause), `${cause} is not itself a client code`);
  }
  assert.equal(answeredCode('ILLEGAL_TRANSITION'), 'CONFLICT');
  assert.equal(answeredCode('GIT_ERROR'), 'UPSTREAM_UNAVAILABLE');
  assert.equal(answeredCode('REGISTRY_UNREACHABLE'), 'UPSTREAM_UNAVAILABLE');
  assert.equal(answeredCode('NO_FREE_HOST_PORT'), 'INTERNAL');
  for (const code of ERROR_CODES) assert.equal(answeredCode(code), code);
});

test('a DomainError carries its code, its message and its details', () => {
  const error = new DomainError('VALIDATION_FAILED', 'the request is not valid', [{ field: 'body/name', message: 'is required' }]);
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'VALIDATION_FAILED');
  assert.equal(error.message, 'the request is not valid');
  assert.deepEqual(error.details, [{ field: 'body/name', message: 'is required' }]);
  assert.equal(new DomainError('CONFLICT', 'taken').details, undefined);
});

test('errorMessage: an Error gives its message, anything else its text', () => {
  assert.equal(errorMessage(new Error('boom')), 'boom');
  assert.equal(errorMessage('plain'), 'plain');
  assert.equal(errorMessage(42), '42');
  assert.equal(errorMessage(undefined), 'undefined');
});
