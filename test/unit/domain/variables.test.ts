import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SERVICE_SETTINGS,
  desiredSpec,
  effectiveEnv,
  secretEnvKeys,
  secretVariableValues,
  variablesReaching,
  type EnvVar,
  type ScopedVariables,
  type Service,
} from '../../../src/domain/index.js';

/** The precedence of a service's env (docs/teams.md#variables): database < project < environment < service. */

const plain = (key: string, value: string): EnvVar => ({ key, value, secret: false });
const secret = (key: string, value: string): EnvVar => ({ key, value, secret: true });

function service(type: Service['type'], env: EnvVar[]): Service {
  const source =
    type === 'database' ? { engine: 'postgresql', version: '16', mode: 'container', storageGb: 1 } : { image: { name: 'registry.test/web', tag: '1.0' } };
  return {
    id: 'web',
    environmentId: 'env',
    name: 'web',
    type,
    source,
    settings: { ...DEFAULT_SERVICE_SETTINGS, env },
    status: 'READY',
    statusMessage: null,
    deployedVersion: null,
    targetVersion: null,
    deployedSpecHash: null,
    deployedSpec: null,
    stageId: null,
    skipEnvironmentActions: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  } as Service;
}

const cases: Array<{
  name: string;
  type?: Service['type'];
  connections?: Record<string, string>;
  project?: EnvVar[];
  environment?: EnvVar[];
  own?: EnvVar[];
  /** key=value@scope, in key order; a secret as key=*value*@scope. */
  expected: string[];
}> = [
  { name: 'nothing anywhere', expected: [] },
  { name: 'a project variable alone', project: [plain('LOG', 'info')], expected: ['LOG=info@project'] },
  { name: 'the environment overrides the project', project: [plain('LOG', 'info')], environment: [plain('LOG', 'debug')], expected: ['LOG=debug@environment'] },
  {
    name: 'the service overrides both',
    project: [plain('LOG', 'info')],
    environment: [plain('LOG', 'debug')],
    own: [plain('LOG', 'warn')],
    expected: ['LOG=warn@service'],
  },
  {
    name: 'different keys add up, in key order',
    project: [plain('B', 'p')],
    environment: [plain('C', 'e')],
    own: [plain('A', 's')],
    expected: ['A=s@service', 'B=p@project', 'C=e@environment'],
  },
  {
    name: 'a database connection is the weakest',
    connections: { DB_URL: 'postgresql://x', DB_HOST: 'db' },
    project: [plain('DB_HOST', 'elsewhere')],
    expected: ['DB_HOST=elsewhere@project', 'DB_URL=*postgresql://x*@database'],
  },
  {
    name: 'a secret project variable overridden by a plain environment one is plain',
    project: [secret('TOKEN', 'abcd1234')],
    environment: [plain('TOKEN', 'visible')],
    expected: ['TOKEN=visible@environment'],
  },
  { name: 'a secret variable stays secret', environment: [secret('TOKEN', 'abcd1234')], expected: ['TOKEN=*abcd1234*@environment'] },
  {
    name: 'a database takes no shared variable nor connection, only its own env',
    type: 'database',
    connections: { OTHER_HOST: 'x' },
    project: [plain('POSTGRES_PASSWORD', 'shared')],
    own: [secret('POSTGRES_PASSWORD', 'own-password')],
    expected: ['POSTGRES_PASSWORD=*own-password*@service'],
  },
];

for (const c of cases) {
  test(`precedence: ${c.name}`, () => {
    const s = service(c.type ?? 'container', c.own ?? []);
    const scoped: ScopedVariables = { project: c.project ?? [], environment: c.environment ?? [] };
    const env = effectiveEnv(s, scoped, c.connections ?? {});
    assert.deepEqual(
      env.map((v) => `${v.key}=${v.secret ? `*${v.value}*` : v.value}@${v.scope}`),
      c.expected,
    );
    // The env a deploy runs is the same, and its secret keys are the secret entries.
    const reaching = variablesReaching(s, scoped);
    const injected = c.type === 'database' ? {} : (c.connections ?? {});
    const desired = desiredSpec(s, 'img@sha256:1', injected, reaching);
    assert.deepEqual(desired.env, Object.fromEntries(env.map((v) => [v.key, v.value])));
    assert.deepEqual(secretEnvKeys(s, injected, reaching), env.filter((v) => v.secret).map((v) => v.key));
  });
}

test('the variables reaching a service leave out the keys it sets itself, in key order', () => {
  const s = service('container', [plain('A', 'own')]);
  const scoped = { project: [plain('Z', '1'), plain('A', 'p')], environment: [plain('M', '2'), plain('Z', '3')] };
  assert.deepEqual(variablesReaching(s, scoped), [plain('M', '2'), plain('Z', '3')]);
  assert.deepEqual(variablesReaching(service('database', []), scoped), []);
});

test('the secret values of shared variables are known, to be redacted from logs', () => {
  assert.deepEqual(secretVariableValues({ project: [secret('A', 'aaaa1'), plain('B', 'b')], environment: [secret('C', 'cccc3')] }), ['aaaa1', 'cccc3']);
});
