import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  codeSource,
  isContainerDatabase,
  isCronJob,
  isLifecycleJob,
  isManagedDatabase,
  typedSource,
  type DatabaseSource,
  type GitSource,
  type ImageSource,
  type JobSource,
  type ServiceSource,
} from '../../../src/domain/index.js';

const git: GitSource = { git: { url: 'https://git.test/shop.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } };
const image: ImageSource = { image: { name: 'registry.test/web', tag: '1.0' } };
const database: DatabaseSource = { engine: 'postgresql', version: '16', mode: 'container', storageGb: 1 };
// A database with an image override still is a database source, not an image one.
const databaseWithImage: DatabaseSource = { ...database, image: { name: 'registry.test/pg', tag: '16' } };
const managed: DatabaseSource = { ...database, mode: 'managed' };
const lifecycle: JobSource = { jobType: 'lifecycle', events: ['start'], source: image, maxDurationSeconds: 60, maxRestarts: 0 };
const cron: JobSource = { jobType: 'cron', schedule: '* * * * *', source: git, maxDurationSeconds: 60, maxRestarts: 0 };

const SOURCES: Record<string, ServiceSource> = { git, image, database, databaseWithImage, managed, lifecycle, cron };

/** Which sources each type takes (docs/resources.md#services); every other pairing is refused. */
const TAKES: Record<string, string[]> = {
  application: ['git'],
  container: ['image'],
  database: ['database', 'databaseWithImage', 'managed'],
  job: ['lifecycle', 'cron'],
  // Not a type of service: nothing agrees with it.
  function: [],
};

for (const [type, taken] of Object.entries(TAKES)) {
  for (const [name, source] of Object.entries(SOURCES)) {
    const agrees = taken.includes(name);
    test(`typedSource: a ${type} with a ${name} source is ${agrees ? 'kept' : 'refused'}`, () => {
      assert.deepEqual(typedSource(type, source), agrees ? { type, source } : null);
    });
  }
}

test('the guards tell jobs and databases apart by their source', () => {
  const rows: Array<[string, ReturnType<typeof typedSource>, { lifecycle: boolean; cron: boolean; managed: boolean; container: boolean }]> = [
    ['lifecycle job', typedSource('job', lifecycle), { lifecycle: true, cron: false, managed: false, container: false }],
    ['cron job', typedSource('job', cron), { lifecycle: false, cron: true, managed: false, container: false }],
    ['container database', typedSource('database', database), { lifecycle: false, cron: false, managed: false, container: true }],
    ['managed database', typedSource('database', managed), { lifecycle: false, cron: false, managed: true, container: false }],
    ['application', typedSource('application', git), { lifecycle: false, cron: false, managed: false, container: false }],
    ['container', typedSource('container', image), { lifecycle: false, cron: false, managed: false, container: false }],
  ];
  for (const [name, typed, expected] of rows) {
    assert.ok(typed, name);
    const actual = { lifecycle: isLifecycleJob(typed), cron: isCronJob(typed), managed: isManagedDatabase(typed), container: isContainerDatabase(typed) };
    assert.deepEqual(actual, expected, name);
  }
});

test('codeSource: a job builds from its inner source, a database from none', () => {
  assert.deepEqual(codeSource({ type: 'application', source: git }), git);
  assert.deepEqual(codeSource({ type: 'container', source: image }), image);
  assert.deepEqual(codeSource({ type: 'job', source: lifecycle }), image);
  assert.deepEqual(codeSource({ type: 'job', source: cron }), git);
  assert.equal(codeSource({ type: 'database', source: databaseWithImage }), null);
});
