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
        { index: 0, field: 'type', message: 'web is a container service; a type cannot change (delete the service, or give the new one another name)' },
        { index: 2, field: 'name', message: 'a second service named db: names are unique in an environment' },
      ],
    },
  ];
  for (const c of cases) {
    const plan = planEnvironment(c.input);
    assert.deepEqual(plan.changes, c.changes, c.why);
    assert.deepEqual(plan.problems, c.problems ?? [], c.why);
  }
});
