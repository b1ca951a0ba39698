import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DNS_LABEL, IMAGE_TAG } from '../../../src/api/schemas/common.js';
import { BOUNDS, checkImageTag, checkName, checkWholeNumber, plainWords, problems } from '../../../web/src/form-rules.js';

/**
 * The console's form checks (web/src/form-rules.ts) say in plain words what the API would refuse:
 * they accept exactly the names and tags the API's patterns accept, and never show a pattern.
 */

const NAMES = ['web', 'a', '0', 'my-app', 'a1-b2', 'x'.repeat(63), 'x'.repeat(64), '', 'Web', 'my_app', 'my app', 'my.app', '-web', 'web-', 'ünï', 'a--b'];

test('a name passes the browser check exactly when the API pattern accepts it', () => {
  const api = new RegExp(DNS_LABEL);
  for (const name of NAMES) {
    assert.equal(checkName(name) === null, api.test(name) && name.length <= 63, `name ${JSON.stringify(name)}`);
  }
});

test('each refused name is told why in words, without a pattern', () => {
  const told = {
    '': /Enter a name/,
    Web: /lower-case/,
    my_app: /only lower-case letters, digits and hyphens/,
    '-web': /Start and end/,
    [`${'x'.repeat(64)}`]: /at most 63 characters/,
  };
  for (const [name, words] of Object.entries(told)) {
    const message = checkName(name) ?? '';
    assert.match(message, words, name);
    assert.doesNotMatch(message, /\^|\$|\[|pattern/, name);
  }
});

test('an image tag passes the browser check exactly when the API pattern accepts it', () => {
  const api = new RegExp(IMAGE_TAG);
  for (const tag of ['latest', 'v1.2.3', '_x', '1', 'a'.repeat(128), 'a'.repeat(129), '', '.x', '-x', 'a b', 'a:b']) {
    assert.equal(checkImageTag(tag) === null, api.test(tag), `tag ${JSON.stringify(tag)}`);
  }
});

test('whole numbers are checked against their bounds; an empty optional field is fine', () => {
  const table: Array<[string, boolean, string | null]> = [
    ['', true, null],
    ['', false, 'Enter a number.'],
    ['3', true, null],
    ['0', true, 'Enter a number from 1 to 32.'],
    ['40', true, 'Enter a number from 1 to 32.'],
    ['2.5', true, 'Enter a whole number from 1 to 32.'],
    ['two', true, 'Enter a whole number from 1 to 32.'],
  ];
  for (const [value, optional, expected] of table) assert.equal(checkWholeNumber(value, ...BOUNDS.maxParallelBuilds, optional), expected, value);
});

test('problems keeps the failed checks with their field paths', () => {
  const found = problems((add) => {
    add('name', checkName('Bad'));
    add('settings/maxParallelBuilds', checkWholeNumber('3', 1, 32));
  });
  assert.deepEqual(found, [{ field: 'name', message: 'Use lower-case letters only.' }]);
});

test("the API's JSON Schema wording becomes plain words", () => {
  const table: Array<[string, string, RegExp]> = [
    ['body/name', 'must match pattern "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"', /lower-case letters, digits and hyphens/],
    ['body/source/image/tag', 'must match pattern "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"', /letters, digits, _/],
    ['body/settings/maxParallelBuilds', 'must be <= 32', /^Enter at most 32\.$/],
    ['body/settings/instances', 'must be >= 1', /^Enter at least 1\.$/],
    ['body/settings/cpu', 'must be integer', /whole number/],
    ['body/source/schedule', 'must match pattern "^(?:@(?:yearly))$"', /cron schedule/],
    ['body/whatever', 'must match pattern "^x$"', /form the server does not accept/],
  ];
  for (const [field, message, words] of table) {
    const plain = plainWords(field, message);
    assert.match(plain, words, message);
    assert.doesNotMatch(plain, /pattern|\^/, message);
  }
  assert.equal(plainWords('body/name', 'a project named shop already exists'), 'a project named shop already exists', 'plain messages stay');
});
