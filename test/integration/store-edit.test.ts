import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS, DomainError } from '../../src/domain/index.js';
import { describeOnEachBackend } from './store-backends.js';

/** Renaming projects and editing environments, on SQLite and PostgreSQL alike. */
const UNKNOWN_ID = '7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11';

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof DomainError && error.code === code);
}

describeOnEachBackend('store edits', (s) => {

  it('renames a project; the new name is read back, a name another project holds is CONFLICT', async () => {
    const shop = await s.store.createProject({ name: 'shop' });
    await s.store.createProject({ name: 'blog' });
    const renamed = await s.store.updateProject(shop.id, { name: 'store' });
    assert.deepEqual(renamed, { id: shop.id, name: 'store', createdAt: shop.createdAt });
    assert.equal((await s.store.getProject(shop.id))?.name, 'store');
    await rejectsWithCode(s.store.updateProject(shop.id, { name: 'blog' }), 'CONFLICT');
    assert.equal((await s.store.getProject(shop.id))?.name, 'store', 'a refused rename leaves the name');
    // Keeping its own name is no conflict.
    assert.equal((await s.store.updateProject(shop.id, { name: 'store' })).name, 'store');
    // The webhook secret is untouched by a rename.
    assert.equal(await s.store.getWebhookSecret(shop.id), shop.webhookSecret);
    await rejectsWithCode(s.store.updateProject(UNKNOWN_ID, { name: 'ghost' }), 'NOT_FOUND');
  });

  it('renames an environment and merges settings; the runtime stays; duplicates in the project are CONFLICT', async () => {
    const project = await s.store.createProject({ name: 'env-edits' });
    const staging = await s.store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'kubernetes', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    await s.store.createEnvironment({ projectId: project.id, name: 'production', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });

    const renamed = await s.store.updateEnvironment(staging.id, { name: 'qa' });
    assert.equal(renamed.name, 'qa');
    assert.equal(renamed.runtime, 'kubernetes');
    assert.deepEqual(renamed.settings, DEFAULT_ENVIRONMENT_SETTINGS);

    const tuned = await s.store.updateEnvironment(staging.id, { settings: { maxParallelBuilds: 7 } });
    assert.deepEqual(tuned.settings, { ...DEFAULT_ENVIRONMENT_SETTINGS, maxParallelBuilds: 7 });
    const both = await s.store.updateEnvironment(staging.id, { name: 'qa2', settings: { maxParallelDeploys: 9 } });
    assert.equal(both.name, 'qa2');
    assert.deepEqual(both.settings, { maxParallelBuilds: 7, maxParallelDeploys: 9 });
    assert.deepEqual(await s.store.getEnvironment(staging.id), both);

    await rejectsWithCode(s.store.updateEnvironment(staging.id, { name: 'production' }), 'CONFLICT');
    assert.equal((await s.store.getEnvironment(staging.id))?.name, 'qa2');
    // The same name in another project is fine.
    const other = await s.store.createProject({ name: 'env-edits-other' });
    const elsewhere = await s.store.createEnvironment({ projectId: other.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    assert.equal((await s.store.updateEnvironment(elsewhere.id, { name: 'production' })).name, 'production');

    await rejectsWithCode(s.store.updateEnvironment(UNKNOWN_ID, { name: 'ghost' }), 'NOT_FOUND');
    await rejectsWithCode(s.store.updateEnvironment(UNKNOWN_ID, {}), 'NOT_FOUND');
  });

  it('concurrent patches of different settings both land', async () => {
    const project = await s.store.createProject({ name: 'env-race' });
    const env = await s.store.createEnvironment({ projectId: project.id, name: 'race', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    const second = await s.backend.openStore();
    await Promise.all([
      s.store.updateEnvironment(env.id, { settings: { maxParallelBuilds: 11 } }),
      second.updateEnvironment(env.id, { settings: { maxParallelDeploys: 13 } }),
    ]);
    assert.deepEqual((await s.store.getEnvironment(env.id))?.settings, { maxParallelBuilds: 11, maxParallelDeploys: 13 });
  });
});
