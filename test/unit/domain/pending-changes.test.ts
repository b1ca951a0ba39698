import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  configDigest,
  DEFAULT_SERVICE_SETTINGS,
  deployedSpecOf,
  pendingChanges,
  type Service,
  type ServiceSettings,
  type ServiceSource,
} from '../../../src/domain/index.js';

type Compared = Pick<Service, 'source' | 'settings' | 'deployedVersion' | 'targetVersion' | 'deployedSpec'>;

const image: ServiceSource = { image: { name: 'registry.test/web', tag: '1.0' } };
const git: ServiceSource = { git: { url: 'https://git.test/shop.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } };
const settings: ServiceSettings = {
  ...DEFAULT_SERVICE_SETTINGS,
  instances: 2,
  env: [
    { key: 'A', value: '1', secret: false },
    { key: 'TOKEN', value: 's3cret', secret: true },
  ],
};

/** A service deployed with `source` and `settings`, then edited by `edit`. */
function deployedThenEdited(source: ServiceSource, edit: (s: Compared) => Partial<Compared>): Compared {
  const deployed: Compared = { source, settings, deployedVersion: '1.0', targetVersion: null, deployedSpec: deployedSpecOf({ source, settings }) };
  return { ...deployed, ...edit(deployed) };
}

const cases: Array<{ name: string; service: Compared; fields: string[] }> = [
  {
    name: 'never deployed',
    service: { source: image, settings, deployedVersion: null, targetVersion: null, deployedSpec: null },
    fields: [],
  },
  { name: 'deployed, unchanged', service: deployedThenEdited(image, () => ({})), fields: [] },
  { name: 'image tag edited', service: deployedThenEdited(image, () => ({ source: { image: { name: 'registry.test/web', tag: '1.1' } } })), fields: ['source'] },
  { name: 'image name edited', service: deployedThenEdited(image, () => ({ source: { image: { name: 'registry.test/api', tag: '1.0' } } })), fields: ['source'] },
  {
    name: 'git branch edited',
    service: deployedThenEdited(git, () => ({ source: { git: { url: 'https://git.test/shop.git', branch: 'dev', rootPath: '/', dockerfilePath: 'Dockerfile' } } })),
    fields: ['source'],
  },
  {
    name: 'git dockerfilePath edited',
    service: deployedThenEdited(git, () => ({ source: { git: { url: 'https://git.test/shop.git', branch: 'main', rootPath: '/', dockerfilePath: 'web.Dockerfile' } } })),
    fields: ['source'],
  },
  { name: 'pinned to another version (a failed Deploy other version)', service: deployedThenEdited(image, () => ({ targetVersion: '2.0' })), fields: ['source'] },
  { name: 'pinned to the deployed version', service: deployedThenEdited(image, () => ({ targetVersion: '1.0' })), fields: [] },
  { name: 'instances edited', service: deployedThenEdited(image, (s) => ({ settings: { ...s.settings, instances: 3 } })), fields: ['instances'] },
  {
    name: 'a secret value edited',
    service: deployedThenEdited(image, (s) => ({ settings: { ...s.settings, env: [s.settings.env[0]!, { key: 'TOKEN', value: 'other', secret: true }] } })),
    fields: ['env'],
  },
  {
    name: 'env vars reordered only',
    service: deployedThenEdited(image, (s) => ({ settings: { ...s.settings, env: [...s.settings.env].reverse() } })),
    fields: [],
  },
  {
    name: 'the settings stored in another key order only',
    service: deployedThenEdited(image, (s) => ({ settings: Object.fromEntries(Object.entries(s.settings).reverse()) as ServiceSettings })),
    fields: [],
  },
  {
    name: 'several settings and the source, sorted after source',
    service: deployedThenEdited(image, (s) => ({
      source: { image: { name: 'registry.test/web', tag: '2.0' } },
      settings: { ...s.settings, memoryMb: 1024, cpu: 250, command: ['serve'], ports: [{ containerPort: 80, public: true, protocol: 'http' }] },
    })),
    fields: ['source', 'command', 'cpu', 'memoryMb', 'ports'],
  },
  { name: 'autoDeploy acts at once: not pending', service: deployedThenEdited(git, (s) => ({ settings: { ...s.settings, autoDeploy: true } })), fields: [] },
  {
    name: 'a cron schedule edited (a job source field)',
    service: deployedThenEdited({ jobType: 'cron', schedule: '* * * * *', source: image as { image: { name: string; tag: string } }, maxDurationSeconds: 60, maxRestarts: 0 }, (s) => ({
      source: { ...(s.source as object), schedule: '*/5 * * * *' } as ServiceSource,
    })),
    fields: ['source'],
  },
  {
    name: 'deployed before Slipway kept the deployed spec: only the version is known',
    service: { source: image, settings, deployedVersion: '1.0', targetVersion: null, deployedSpec: null },
    fields: [],
  },
];

for (const c of cases) {
  test(`pending changes: ${c.name}`, () => {
    assert.deepEqual(pendingChanges(c.service), { pendingChanges: c.fields.length > 0, pendingFields: c.fields });
  });
}

test('pending changes with the config digest a deploy records: the same answers, and no read of the spec when the digests agree', () => {
  const unread: string[] = [];
  for (const c of cases) {
    const deployed = c.service.deployedSpec;
    if (!deployed) continue;
    const withDigest = { ...c.service, deployedConfigDigest: configDigest(deployed) };
    assert.deepEqual(pendingChanges(withDigest), { pendingChanges: c.fields.length > 0, pendingFields: c.fields }, c.name);
    const pinnedElsewhere = c.service.targetVersion !== null && c.service.targetVersion !== c.service.deployedVersion;
    if (pinnedElsewhere || configDigest(c.service) !== withDigest.deployedConfigDigest) continue;
    // The digests agree: nothing pending, and the spec (sealed in the store) is never read.
    const unreadable = Object.defineProperty({ ...withDigest }, 'deployedSpec', {
      get: () => assert.fail(`${c.name}: the deployed spec was read`),
    });
    assert.deepEqual(pendingChanges(unreadable), { pendingChanges: false, pendingFields: [] }, c.name);
    unread.push(c.name);
  }
  assert.deepEqual(unread, ['deployed, unchanged', 'pinned to the deployed version', 'autoDeploy acts at once: not pending']);
});

/** Shared variables (docs/teams.md#variables): the ones reaching the service now against the ones its last deploy got. */
const LOG = { key: 'LOG', value: 'info', secret: false };
const KEY = { key: 'API_KEY', value: 'first-key', secret: true };
const deployedWith = (variables: Array<typeof LOG>): Compared => ({
  source: image,
  settings,
  deployedVersion: '1.0',
  targetVersion: null,
  deployedSpec: deployedSpecOf({ source: image, settings }, undefined, variables),
});
const variableCases: Array<{ name: string; service: Compared; now: Array<typeof LOG>; fields: string[] }> = [
  { name: 'none then, none now', service: deployedWith([]), now: [], fields: [] },
  { name: 'the same variables, another order', service: deployedWith([LOG, KEY]), now: [KEY, LOG], fields: [] },
  { name: 'a variable added', service: deployedWith([]), now: [LOG], fields: ['variables'] },
  { name: 'a variable removed', service: deployedWith([LOG]), now: [], fields: ['variables'] },
  { name: 'a value changed', service: deployedWith([LOG]), now: [{ ...LOG, value: 'debug' }], fields: ['variables'] },
  { name: 'a secret value changed', service: deployedWith([KEY]), now: [{ ...KEY, value: 'second-key' }], fields: ['variables'] },
  { name: 'never deployed: nothing pending', service: { source: image, settings, deployedVersion: null, targetVersion: null, deployedSpec: null }, now: [LOG], fields: [] },
  {
    name: 'with a settings edit, after the settings',
    service: { ...deployedWith([]), settings: { ...settings, instances: 5 } },
    now: [LOG],
    fields: ['instances', 'variables'],
  },
];

for (const c of variableCases) {
  test(`pending changes, shared variables: ${c.name}`, () => {
    assert.deepEqual(pendingChanges(c.service, c.now), { pendingChanges: c.fields.length > 0, pendingFields: c.fields });
  });
}

test('pending changes, shared variables, with the config digest a deploy records: the same answers', () => {
  for (const c of variableCases) {
    const deployed = c.service.deployedSpec;
    const service = deployed ? { ...c.service, deployedConfigDigest: configDigest(deployed) } : c.service;
    assert.deepEqual(pendingChanges(service, c.now), { pendingChanges: c.fields.length > 0, pendingFields: c.fields }, c.name);
  }
});

test('configDigest: what a deploy applies counts, autoDeploy does not; another order is another digest (the comparison field by field then decides)', () => {
  const base = { source: image, settings, variables: [LOG, KEY] };
  const digest = configDigest(base);
  assert.equal(configDigest(structuredClone(base)), digest);
  assert.equal(configDigest({ ...base, settings: { ...settings, autoDeploy: !settings.autoDeploy } }), digest);
  assert.notEqual(configDigest({ ...base, settings: { ...settings, instances: 7 } }), digest);
  assert.notEqual(configDigest({ ...base, source: git }), digest);
  assert.notEqual(configDigest({ ...base, variables: [LOG] }), digest);
  assert.notEqual(configDigest({ ...base, settings: { ...settings, env: [settings.env[0]!, { key: 'TOKEN', value: 'other', secret: true }] } }), digest);
  assert.notEqual(configDigest({ ...base, variables: [KEY, LOG] }), digest);
});
