import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS, DomainError } from '../../src/domain/index.js';
import type { Store } from '../../src/store/store.js';
import { postgresBackend, sqliteBackend, type StoreBackend } from './store-backends.js';

/** Renaming projects and editing environments, on SQLite and PostgreSQL alike. */
const backends: Array<[string, () => Promise<StoreBackend>]> = [
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
];

const UNKNOWN_ID = '7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11';

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof DomainError && error.code === code);
}

for (const [name, open] of backends) {
  describe(`store edits on ${name}`, () => {
    let backend: StoreBackend;
    let store: Store;

    before(async () => {
      backend = await open();
      store = await backend.openStore();
    });
    after(async () => {
      await backend?.dispose();
    });

    it('renames a project; the new name is read back, a name another project holds is CONFLICT', async () => {
      const shop = await store.createProject({ name: 'shop' });
      await store.createProject({ name: 'blog' });
      const renamed = await store.updateProject(shop.id, { name: 'store' });
      assert.deepEqual(renamed, { id: shop.id, name: 'store', createdAt: shop.createdAt });
      assert.equal((await store.getProject(shop.id))?.name, 'store');
      await rejectsWithCode(store.updateProject(shop.id, { name: 'blog' }), 'CONFLICT');
      assert.equal((await store.getProject(shop.id))?.name, 'store', 'a refused rename leaves the name');
      // Keeping its own name is no conflict.
      assert.equal((await store.updateProject(shop.id, { name: 'store' })).name, 'store');
      // The webhook secret is untouched by a rename.
      assert.equal(await store.getWebhookSecret(shop.id), shop.webhookSecret);
      await rejectsWithCode(store.updateProject(UNKNOWN_ID, { name: 'ghost' }), 'NOT_FOUND');
    });

    it('renames an environment and merges settings; the runtime stays; duplicates in the project are CONFLICT', async () => {
      const project = await store.createProject({ name: 'env-edits' });
      const staging = await store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'kubernetes', settings: DEFAULT_ENVIRONMENT_SETTINGS });
      await store.createEnvironment({ projectId: project.id, name: 'production', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });

      const renamed = await store.updateEnvironment(staging.id, { name: 'qa' });
      assert.equal(renamed.name, 'qa');
      assert.equal(renamed.runtime, 'kubernetes');
      assert.deepEqual(renamed.settings, DEFAULT_ENVIRONMENT_SETTINGS);

      const tuned = await store.updateEnvironment(staging.id, { settings: { maxParallelBuilds: 7 } });
      assert.deepEqual(tuned.settings, { ...DEFAULT_ENVIRONMENT_SETTINGS, maxParallelBuilds: 7 });
      const both = await store.updateEnvironment(staging.id, { name: 'qa2', settings: { maxParallelDeploys: 9 } });
      assert.equal(both.name, 'qa2');
      assert.deepEqual(both.settings, { maxParallelBuilds: 7, maxParallelDeploys: 9 });
      assert.deepEqual(await store.getEnvironment(staging.id), both);

      await rejectsWithCode(store.updateEnvironment(staging.id, { name: 'production' }), 'CONFLICT');
      assert.equal((await store.getEnvironment(staging.id))?.name, 'qa2');
      // The same name in another project is fine.
      const other = await store.createProject({ name: 'env-edits-other' });
      const elsewhere = await store.createEnvironment({ projectId: other.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
      assert.equal((await store.updateEnvironment(elsewhere.id, { name: 'production' })).name, 'production');

      await rejectsWithCode(store.updateEnvironment(UNKNOWN_ID, { name: 'ghost' }), 'NOT_FOUND');
      await rejectsWithCode(store.updateEnvironment(UNKNOWN_ID, {}), 'NOT_FOUND');
    });

    it('concurrent patches of different settings both land', async () => {
      const project = await store.createProject({ name: 'env-race' });
      const env = await store.createEnvironment({ projectId: project.id, name: 'race', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
      const second = await backend.openStore();
      await Promise.all([
        store.updateEnvironment(env.id, { settings: { maxParallelBuilds: 11 } }),
        second.updateEnvironment(env.id, { settings: { maxParallelDeploys: 13 } }),
      ]);
      assert.deepEqual((await store.getEnvironment(env.id))?.settings, { maxParallelBuilds: 11, maxParallelDeploys: 13 });
    });
  });
}
