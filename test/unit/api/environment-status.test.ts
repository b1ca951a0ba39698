import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readServiceStatuses } from '../../../src/api/environment-status.js';
import { configDigest, DEFAULT_SERVICE_SETTINGS, deployedSpecOf, type DeployedSpec, type EnvVar, type ScopedVariables } from '../../../src/domain/index.js';
import type { ServiceSummary } from '../../../src/store/store.js';

/**
 * The status read takes pending changes from the config digest and asks the store for the
 * deployed specs of the other services only, all at once.
 */

const settings = { ...DEFAULT_SERVICE_SETTINGS, env: [{ key: 'OWN', value: '1', secret: false }] };
const shared: EnvVar = { key: 'SHARED', value: 'a', secret: false };

/** A container deployed with `settings` and the shared variable, then changed by `edit`. */
function deployed(id: string, edit: Partial<ServiceSummary> = {}): { summary: ServiceSummary; spec: DeployedSpec } {
  const source = { image: { name: `registry.test/${id}`, tag: '1.0' } };
  const spec = deployedSpecOf({ source, settings }, undefined, [shared]);
  const summary: ServiceSummary = {
    id,
    name: id,
    type: 'container',
    source,
    settings,
    status: 'DEPLOYED',
    deployedVersion: '1.0',
    targetVersion: null,
    deployedConfigDigest: configDigest(spec),
    ...edit,
  } as ServiceSummary;
  return { summary, spec };
}

function storeOf(services: Array<{ summary: ServiceSummary; spec: DeployedSpec | null }>, variables: ScopedVariables) {
  const asked: string[][] = [];
  return {
    asked,
    store: {
      listServiceSummaries: async () => services.map((s) => s.summary),
      scopedVariables: async () => variables,
      deployedSpecsOf: async (ids: readonly string[]) => {
        asked.push([...ids]);
        return new Map(services.flatMap((s) => (s.spec && ids.includes(s.summary.id) ? [[s.summary.id, s.spec] as const] : [])));
      },
    },
  };
}

const env = { id: 'env-1', projectId: 'project-1' };
const variables: ScopedVariables = { project: [shared], environment: [] };

test('services unchanged since their deploy: nothing pending, and no deployed spec is read', async () => {
  const { store, asked } = storeOf([deployed('a'), deployed('b')], variables);
  const read = await readServiceStatuses(store, env);
  assert.deepEqual(read.map((r) => [r.service.id, r.pending.pendingChanges, r.pending.pendingFields]), [['a', false, []], ['b', false, []]]);
  assert.deepEqual(asked, [[]]);
});

test('only the specs of services changed since their deploy are read, in one call, and what changed is named', async () => {
  const instances = deployed('instances');
  instances.summary = { ...instances.summary, settings: { ...settings, instances: 3 } };
  const pinned = deployed('pinned', { targetVersion: '0.9' });
  const never = { summary: { ...deployed('never').summary, deployedVersion: null, deployedConfigDigest: null }, spec: null };
  const { store, asked } = storeOf([deployed('same'), instances, pinned, never], variables);
  const read = await readServiceStatuses(store, env);
  assert.deepEqual(asked, [['instances', 'pinned']]);
  assert.deepEqual(
    read.map((r) => [r.service.id, r.pending.pendingChanges, r.pending.pendingFields]),
    [
      ['same', false, []],
      ['instances', true, ['instances']],
      ['pinned', true, ['source']],
      ['never', false, []],
    ],
  );
});

test('a shared variable changed since the deploy: its spec is read and `variables` is pending', async () => {
  const { store, asked } = storeOf([deployed('a')], { project: [{ ...shared, value: 'b' }], environment: [] });
  const [a] = await readServiceStatuses(store, env);
  assert.deepEqual(asked, [['a']]);
  assert.deepEqual([a!.pending.pendingChanges, a!.pending.pendingFields], [true, ['variables']]);
});

test('a digest whose spec the store no longer has: compared on its version only', async () => {
  const changed = deployed('gone');
  const { store } = storeOf([{ summary: { ...changed.summary, settings: { ...settings, instances: 5 } }, spec: null }], variables);
  const [gone] = await readServiceStatuses(store, env);
  assert.deepEqual([gone!.pending.pendingChanges, gone!.pending.pendingFields], [false, []]);
});
