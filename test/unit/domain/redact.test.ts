import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact } from '../../../src/domain/redact.js';

test('overlapping secrets are redacted longest first: no suffix is left readable', () => {
  // Given in either order, the longer secret goes whole.
  assert.equal(redact('token=abcd-2 other=abcd', ['abcd', 'abcd-2']), 'token=******** other=********');
  assert.equal(redact('token=abcd-2 other=abcd', ['abcd-2', 'abcd']), 'token=******** other=********');
  assert.equal(redact('pre-secret-value', ['secret', 'pre-secret']), '********-value');
});

test('every occurrence is replaced; values under 4 characters are left (the API refuses them)', () => {
  assert.equal(redact('s3cr s3cr', ['s3cr']), '******** ********');
  assert.equal(redact('abc def', ['abc']), 'abc def');
  assert.equal(redact('nothing here', []), 'nothing here');
});
