import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from '../../../src/cli/cli-error.js';
import { fileErrorLine, readEnvironmentFile, substitute } from '../../../src/cli/env-file.js';

test('substitute: ${NAME} from the environment, $$ a literal $, unset names reported', () => {
  const env = { A: 'one', EMPTY: '' };
  const table: Array<[string, string, string[]]> = [
    ['${A}', 'one', []],
    ['x-${A}-${A}', 'x-one-one', []],
    ['${EMPTY}', '', []],
    ['$${A}', '${A}', []],
    ['cost: $5', 'cost: $5', []],
    ['${B} and ${C}', '${B} and ${C}', ['B', 'C']],
    ['${1BAD}', '${1BAD}', []],
  ];
  for (const [text, out, missing] of table) assert.deepEqual(substitute(text, env), { text: out, missing }, text);
});

const FILE = `apiVersion: slipway/v1
kind: Environment
project: shop
name: staging
services:
  - name: web
    type: container
    source: { image: { name: reg.test/web, tag: "\${TAG}" } }
    settings:
      instances: \${COUNT}
      env: [ { key: TOKEN, value: "\${TOKEN}", secret: true } ]
`;

test('a file: variables substituted, an unquoted one keeps its type, lines of fields found', () => {
  const file = readEnvironmentFile(FILE, 'env.yaml', { TAG: '1.4', COUNT: '3', TOKEN: 's3cret' });
  const value = file.value as { services: Array<{ source: { image: { tag: string } }; settings: { instances: number; env: Array<{ value: string }> } }> };
  assert.equal(value.services[0]!.source.image.tag, '1.4');
  assert.equal(value.services[0]!.settings.instances, 3);
  assert.equal(value.services[0]!.settings.env[0]!.value, 's3cret');
  assert.equal(file.lineOf('services/0/settings/instances'), 10);
  // A field the file does not have points at its nearest parent.
  assert.equal(file.lineOf('services/0/settings/cpu'), 10);
  assert.equal(fileErrorLine(file, 'env.yaml', { field: 'body/services/0/settings/instances', message: 'must be >= 1' }), 'env.yaml:10: services/0/settings/instances: must be >= 1');
});

test('an unset variable is refused with its line, every one of them', () => {
  assert.throws(
    () => readEnvironmentFile(FILE, 'env.yaml', { COUNT: '1' }),
    (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, 2);
      assert.deepEqual(error.details, ['env.yaml:8: ${TAG} is not set', 'env.yaml:11: ${TOKEN} is not set']);
      return true;
    },
  );
});

test('a YAML syntax error names its line', () => {
  assert.throws(() => readEnvironmentFile('a: 1\nb: [1, 2\n', 'bad.yaml', {}), (error: unknown) => error instanceof CliError && /^bad\.yaml:\d+: /.test(error.message));
});
