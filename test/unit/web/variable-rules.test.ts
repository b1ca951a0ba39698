import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { EnvVarSchema } from '../../../src/api/schemas/service.js';
import { draftProblems, keyProblem, toVariable } from '../../../web/src/components/variables/rules.js';

/** The console's checks of a shared variable, done before the API sees it (docs/teams.md#variables). */
describe('console: variable rules', () => {
  it('accepts exactly the names the API accepts, and says why in words otherwise', () => {
    const table: Array<[string, RegExp | null]> = [
      ['DATABASE_URL', null],
      ['_private', null],
      ['a1', null],
      ['X'.repeat(256), null],
      ['', /Give the variable a name/],
      ['1PORT', /cannot start with a digit/],
      ['my-key', /only letters, digits and _ \(no “-”\), e\.g\. my_key/],
      ['has space', /no spaces/],
      ['X'.repeat(257), /at most 256 characters/],
    ];
    for (const [key, expected] of table) {
      const problem = keyProblem(key);
      if (expected) assert.match(problem ?? '', expected, key);
      else assert.equal(problem, null, key);
      // The browser and the API agree on every name.
      assert.equal(problem === null, Value.Check(EnvVarSchema, { key, value: 'v' }), `agreement on ${JSON.stringify(key.slice(0, 20))}`);
    }
  });

  it('checks values: duplicates, short secrets, the mask, a kept secret made plain', () => {
    const others = [{ key: 'LOG', value: 'info', secret: false }];
    const messages = (draft: { key: string; value: string; secret: boolean }, wasSecret = false) => draftProblems(draft, 1, others, wasSecret).map((p) => `${p.field}: ${p.message}`);
    assert.deepEqual(messages({ key: 'LOG', value: 'debug', secret: false }), ['body/1/key: LOG is already set here: edit that one instead.']);
    assert.match(messages({ key: 'API_KEY', value: 'abc', secret: true })[0]!, /^body\/1\/value: A secret value has at least 4 characters/);
    assert.match(messages({ key: 'API_KEY', value: '********', secret: true })[0]!, /only stands for a stored secret/);
    assert.deepEqual(messages({ key: 'API_KEY', value: '', secret: true }, true), [], 'an empty value keeps a stored secret');
    assert.match(messages({ key: 'API_KEY', value: '', secret: false }, true)[0]!, /Type the value again/);
    assert.deepEqual(messages({ key: 'EMPTY', value: '', secret: false }), [], 'a plain variable may be empty');
  });

  it('sends a kept secret back as the mask, anything else as typed', () => {
    assert.deepEqual(toVariable({ key: 'K', value: '', secret: true }, true), { key: 'K', value: '********', secret: true });
    assert.deepEqual(toVariable({ key: 'K', value: 'new-value', secret: true }, true), { key: 'K', value: 'new-value', secret: true });
    assert.deepEqual(toVariable({ key: 'K', value: '', secret: false }, false), { key: 'K', value: '', secret: false });
  });
});
