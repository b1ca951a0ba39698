import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS, type PreviewRecord } from '../../src/domain/index.js';
import { describeOnEachBackend } from './store-backends.js';

/** What migration 0008 keeps (docs/teams.md#preview-environments), on SQLite and PostgreSQL. */

describeOnEachBackend('preview environments', (s) => {
  it("keeps a project's previews, an environment's pull request, and a record per pull request written by compare-and-set", async () => {
    const project = await s.store.createProject({ name: `previews-${s.backend.name}` });
    const env = await s.store.createEnvironment({ projectId: project.id, name: 'pr-3', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    assert.equal((await s.store.getProject(project.id))!.previews, undefined);
    const renamed = await s.store.updateProject(project.id, { previews: { blueprintEnvironmentId: env.id, enabled: true } });
    assert.deepEqual(renamed.previews, { blueprintEnvironmentId: env.id, enabled: true });
    assert.equal(renamed.name, project.name);
    assert.deepEqual((await s.store.listProjects()).find((p) => p.id === project.id)!.previews, { blueprintEnvironmentId: env.id, enabled: true });
    assert.equal((await s.store.updateProject(project.id, { previews: null })).previews, undefined);

    assert.equal((await s.store.getEnvironment(env.id))!.preview, undefined);
    await s.store.setEnvironmentPreview(env.id, { number: 3, branch: 'feature/x', url: 'https://example.test/pr/3' });
    assert.deepEqual((await s.store.listEnvironments(project.id))[0]!.preview, { number: 3, branch: 'feature/x', url: 'https://example.test/pr/3' });

    const record: Omit<PreviewRecord, 'revision'> = {
      projectId: project.id,
      number: 3,
      environmentId: null,
      branch: 'feature/x',
      url: 'https://example.test/pr/3',
      headSha: 'a'.repeat(40),
      state: 'open',
      action: 'open',
      eventAt: '2026-01-01T10:00:00.000Z',
      message: null,
    };
    assert.equal(await s.store.getPreviewRecord(project.id, 3), undefined);
    assert.equal(await s.store.savePreviewRecord(record, null), true);
    // A second first write (another delivery that read nothing) loses.
    assert.equal(await s.store.savePreviewRecord({ ...record, headSha: 'b'.repeat(40) }, null), false);
    assert.equal(await s.store.savePreviewRecord({ ...record, environmentId: env.id, action: 'update' }, 1), true);
    // A write from the revision already replaced loses too.
    assert.equal(await s.store.savePreviewRecord({ ...record, state: 'closed' }, 1), false);
    assert.deepEqual(await s.store.getPreviewRecord(project.id, 3), { ...record, environmentId: env.id, action: 'update', revision: 2 });
    // The record outlives its environment.
    await s.store.deleteEnvironment(env.id);
    assert.equal((await s.store.getPreviewRecord(project.id, 3))!.environmentId, env.id);
  });
});
