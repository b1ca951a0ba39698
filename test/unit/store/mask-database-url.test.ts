import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskDatabaseUrl } from '../../../src/store/wait-for-database.js';

test('the database URL is shown with its password masked, wherever it is', () => {
  assert.equal(maskDatabaseUrl('postgres://slipway:s3cret@db.internal:5432/slipway'), 'postgres://slipway:****@db.internal:5432/slipway');
  // Escaped characters in the password, and a password given as a query parameter.
  assert.equal(maskDatabaseUrl('postgresql://u:p%40ss%3Aword@127.0.0.1/db?sslmode=require'), 'postgresql://u:****@127.0.0.1/db?sslmode=require');
  assert.equal(maskDatabaseUrl('postgres://u@h/db?password=s3cret'), 'postgres://u@h/db?password=****');
  // Nothing to mask.
  assert.equal(maskDatabaseUrl('postgres://u@h:5433/db'), 'postgres://u@h:5433/db');
  // Unparsable: nothing of it is shown.
  assert.doesNotMatch(maskDatabaseUrl('postgres://u:s3cret@[bad/db'), /s3cret/);
});
