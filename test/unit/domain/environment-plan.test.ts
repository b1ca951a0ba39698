import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SERVICE_SETTINGS, changedFields, planEnvironment, sameValue, type EnvironmentPlanInput, type ServiceShape } from '../../../src/domain/index.js';

const web: ServiceShape = { name: 'web', type: 'container', source: { image: { name: 'reg.test/web', tag: '1' } }, settings: { ...DEFAULT_SERVICE_SETTINGS } };
const db: ServiceShape = { name: 'db', type: 'database', source: { engine: 'postgresql', version: '16', mode: 'container', storageGb: 10 }, settings: { ...DEFAULT_SERVICE_SETTINGS } };

function input(over: Partial<EnvironmentPlanInput> & { current?: ServiceShape[]; desired?: ServiceShape[] }): EnvironmentPlanInput {
  return {
    project: over.project ?? { name: 'shop', exists: true },
    environment: over.environment ?? { name: 'staging', current: { maxParallelBuilds: 2 }, desired: { maxParallelBuilds: 2 } },
    services: { current: over.current ?? [], desired: over.desired ?? [] },
    prune: over.prune ?? false,
  };
}

test('sameValue: deep, key order ignored, a missing key equals undefined', () => {
  const table: Array<[unknown, unknown, boolean]> = [
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [[1, 2], [2, 1], false],
    [{ a: 1 }, { a: '1' }, false],
    [null, {}, false],
    [[], {}, false],
  ];
  for (const [a, b, same] of table) assert.equal(sameValue(a, b), same, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
});

test('changedFields names each differing key with its prefix, sorted', () => {
  assert.deepEqual(changedFields({ instances: 1, cpu: 500, env: [] }, { instances: 2, cpu: 500, env: [{ key: 'A' }] }, 'settings.'), ['settings.env', 'settings.instances']);
  assert.deepEqual(changedFields({ a: 1 }, { a: 1 }, 'x.'), []);
});

test('plans, table by table', () => {
  const moreInstances = { ...web, settings: { ...web.settings, instances: 3 } };
  const newTag = { ...web, source: { image: { name: 'reg.test/web', tag: '2' } } };
  const cases: Array<{ why: string; input: EnvironmentPlanInput; changes: unknown[]; problems?: unknown[] }> = [
    {
      why: 'nothing exists: everything is created',
      input: input({ project: { name: 'shop', exists: false }, environment: { name: 'staging', current: null, desired: {} }, desired: [db, web] }),
      changes: [
        { op: 'create', kind: 'project', name: 'shop' },
        { op: 'create', kind: 'environment', name: 'staging' },
        { op: 'create', kind: 'service', name: 'db' },
        { op: 'create', kind: 'service', name: 'web' },
      ],
    },
    {
      why: 'the same file again: all unchanged',
      input: input({ current: [db, web], desired: [db, web] }),
      changes: [
        { op: 'unchanged', kind: 'project', name: 'shop' },
        { op: 'unchanged', kind: 'environment', name: 'staging' },
        { op: 'unchanged', kind: 'service', name: 'db' },
        { op: 'unchanged', kind: 'service', name: 'web' },
      ],
    },
    {
      why: 'edits name their fields',
      input: input({
        environment: { name: 'staging', current: { maxParallelBuilds: 2 }, desired: { maxParallelBuilds: 4 } },
        current: [web],
        desired: [{ ...moreInstances, source: newTag.source }],
      }),
      changes: [
        { op: 'unchanged', kind: 'project', name: 'shop' },
        { op: 'update', kind: 'environment', name: 'staging', fields: ['settings.maxParallelBuilds'] },
        { op: 'update', kind: 'service', name: 'web', fields: ['source.image', 'settings.instances'] },
      ],
    },
    {
      why: 'a service missing from the file is kept without prune',
      input: input({ current: [db, web], desired: [web] }),
      changes: [
        { op: 'unchanged', kind: 'project', name: 'shop' },
        { op: 'unchanged', kind: 'environment', name: 'staging' },
        { op: 'unchanged', kind: 'service', name: 'web' },
        { op: 'unchanged', kind: 'service', name: 'db' },
      ],
    },
    {
      why: 'and deleted with prune',
      input: input({ current: [db, web], desired: [web], prune: true }),
      changes: [
        { op: 'unchanged', kind: 'project', name: 'shop' },
        { op: 'unchanged', kind: 'environment', name: 'staging' },
        { op: 'unchanged', kind: 'service', name: 'web' },
        { op: 'delete', kind: 'service', name: 'db' },
      ],
    },
    {
      why: 'a type cannot change; a name twice is refused',
      input: input({ current: [web], desired: [{ ...db, name: 'web' }, db, db] }),
      changes: [
        { op: 'unchanged', kind: 'project', name: 'shop' },
        { op: 'unchanged', kind: 'environment', name: 'staging' },
        { op: 'create', kind: 'service', name: 'db' },
      ],
      problems: [
        { list: 'services', index: 0, field: 'type', message: 'web is a container service; a type cannot change (delete the service, or give the new one another name)' },
        { list: 'services', index: 2, field: 'name', message: 'a second service named db: names are unique in an environment' },
      ],
    },
  ];
  for (const c of cases) {
    const plan = planEnvironment(c.input);
    assert.deepEqual(plan.changes, c.changes, c.why);
    assert.deepEqual(plan.problems, c.problems ?? [], c.why);
  }
});

test('variables: created, updated by field, kept or pruned, a key twice refused', () => {
  const env = (over: Partial<EnvironmentPlanInput>): EnvironmentPlanInput => ({ ...input({}), ...over });
  const level = { key: 'LOG_LEVEL', value: 'info', secret: false };
  const token = { key: 'TOKEN', value: 'a-long-secret-1', secret: true };
  const old = { key: 'OLD', value: 'x', secret: false };
  const head = [
    { op: 'unchanged', kind: 'project', name: 'shop' },
    { op: 'unchanged', kind: 'environment', name: 'staging' },
  ];
  const cases: Array<{ why: string; input: EnvironmentPlanInput; variables: unknown[]; problems?: unknown[] }> = [
    { why: 'none yet: created', input: env({ variables: { current: [], desired: [level, token] } }), variables: [{ op: 'create', kind: 'variable', name: 'LOG_LEVEL' }, { op: 'create', kind: 'variable', name: 'TOKEN' }] },
    { why: 'the same again: unchanged', input: env({ variables: { current: [level, token], desired: [token, level] } }), variables: [{ op: 'unchanged', kind: 'variable', name: 'TOKEN' }, { op: 'unchanged', kind: 'variable', name: 'LOG_LEVEL' }] },
    {
      why: 'a new value, a secret made plain: the fields, never the values',
      input: env({ variables: { current: [level, token], desired: [{ ...level, value: 'debug' }, { ...token, secret: false }] } }),
      variables: [{ op: 'update', kind: 'variable', name: 'LOG_LEVEL', fields: ['value'] }, { op: 'update', kind: 'variable', name: 'TOKEN', fields: ['secret'] }],
    },
    { why: 'left out of the file: kept', input: env({ variables: { current: [level, old], desired: [level] } }), variables: [{ op: 'unchanged', kind: 'variable', name: 'LOG_LEVEL' }, { op: 'unchanged', kind: 'variable', name: 'OLD' }] },
    { why: 'and deleted with prune', input: env({ prune: true, variables: { current: [level, old], desired: [level] } }), variables: [{ op: 'unchanged', kind: 'variable', name: 'LOG_LEVEL' }, { op: 'delete', kind: 'variable', name: 'OLD' }] },
    {
      why: 'a key twice',
      input: env({ variables: { current: [], desired: [level, { ...level, value: 'debug' }] } }),
      variables: [{ op: 'create', kind: 'variable', name: 'LOG_LEVEL' }],
      problems: [{ list: 'variables', index: 1, field: 'key', message: 'a second variable LOG_LEVEL: keys are unique in an environment' }],
    },
  ];
  for (const c of cases) {
    const plan = planEnvironment(c.input);
    assert.deepEqual(plan.changes, [...head, ...c.variables], c.why);
    assert.deepEqual(plan.problems, c.problems ?? [], c.why);
  }
});

test('stages: part of the environment (stages.<name>), a service names its stage', () => {
  const migrate = { name: 'migrate', order: 150 };
  const warm = { name: 'warm', order: 450 };
  const inMigrate = { ...web, stage: 'migrate' };
  const cases: Array<{ why: string; input: EnvironmentPlanInput; environment: unknown; service?: unknown; problems?: unknown[] }> = [
    {
      why: 'new stages, a service moved into one',
      input: { ...input({ current: [web], desired: [inMigrate] }), stages: { current: [], desired: [migrate, warm] } },
      environment: { op: 'update', kind: 'environment', name: 'staging', fields: ['stages.migrate', 'stages.warm'] },
      service: { op: 'update', kind: 'service', name: 'web', fields: ['stage'] },
    },
    {
      why: 'the same again (a stage named in another case is the same stage): unchanged',
      input: { ...input({ current: [inMigrate], desired: [{ ...web, stage: 'Migrate' }] }), stages: { current: [migrate, warm], desired: [warm, migrate] } },
      environment: { op: 'unchanged', kind: 'environment', name: 'staging' },
      service: { op: 'unchanged', kind: 'service', name: 'web' },
    },
    {
      why: 'a new order; a stage left out is kept, a service that leaves its stage and skips environment actions',
      input: { ...input({ current: [inMigrate], desired: [{ ...web, skipEnvironmentActions: true }] }), stages: { current: [migrate, warm], desired: [{ ...migrate, order: 160 }] } },
      environment: { op: 'update', kind: 'environment', name: 'staging', fields: ['stages.migrate'] },
      service: { op: 'update', kind: 'service', name: 'web', fields: ['skipEnvironmentActions', 'stage'] },
    },
    {
      why: 'with prune, a stage left out is deleted',
      input: { ...input({ current: [], desired: [], prune: true }), stages: { current: [migrate, warm], desired: [migrate] } },
      environment: { op: 'update', kind: 'environment', name: 'staging', fields: ['stages.warm'] },
    },
    {
      why: 'a default stage name, a stage twice, a service naming no stage',
      input: { ...input({ current: [], desired: [{ ...web, stage: 'nowhere' }] }), stages: { current: [], desired: [{ name: 'Databases', order: 1 }, migrate, migrate] } },
      environment: { op: 'update', kind: 'environment', name: 'staging', fields: ['stages.databases', 'stages.migrate'] },
      service: { op: 'create', kind: 'service', name: 'web' },
      problems: [
        { list: 'stages', index: 0, field: 'name', message: 'Databases is a default stage: give a user-defined stage another name' },
        { list: 'stages', index: 2, field: 'name', message: 'a second stage named migrate: names are unique in an environment' },
        { list: 'services', index: 0, field: 'stage', message: 'no stage named nowhere: list it under stages (a service in its type\'s default stage names none)' },
      ],
    },
  ];
  for (const c of cases) {
    const plan = planEnvironment(c.input);
    assert.deepEqual(plan.changes, [{ op: 'unchanged', kind: 'project', name: 'shop' }, c.environment, ...(c.service ? [c.service] : [])], c.why);
    assert.deepEqual(plan.problems, c.problems ?? [], c.why);
  }
});
