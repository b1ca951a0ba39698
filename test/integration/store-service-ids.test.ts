import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { describeOnEachBackend } from './store-backends.js';

/** The ids the running states observe at start, in one query, on SQLite and PostgreSQL alike. */
describeOnEachBackend('service ids not READY', (s) => {
  it('lists every service acted on, across environments, and none still READY', async () => {
    const project = await s.store.createProject({ name: 'ids' });
    const ids: Record<string, string> = {};
    for (const envName of ['one', 'two']) {
      const env = await s.store.createEnvironment({ projectId: project.id, name: envName, runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
      for (const name of ['a', 'b']) {
        const service = await s.store.createService({ environmentId: env.id, name, type: 'container', source: { image: { name: 'busybox', tag: 'v1' } }, settings: DEFAULT_SERVICE_SETTINGS });
        ids[`${envName}-${name}`] = service.id;
      }
    }
    assert.deepEqual(await s.store.serviceIdsNotReady(), []);
    await s.store.setServiceStatus(ids['one-a']!, 'QUEUED');
    await s.store.setServiceStatus(ids['two-b']!, 'QUEUED');
    assert.deepEqual((await s.store.serviceIdsNotReady()).sort(), [ids['one-a'], ids['two-b']].sort());
  });
});
