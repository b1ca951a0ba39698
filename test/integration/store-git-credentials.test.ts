import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type GitSource, type JobSource } from '../../src/domain/index.js';
import { describeOnEachBackend } from './store-backends.js';

/**
 * Git URL credentials are encrypted at rest (docs/build.md#credentials): the raw row never holds
 * the token.
 */
const gitSource = (url: string): GitSource => ({ git: { url, branch: 'main', rootPath: '.', dockerfilePath: 'Dockerfile' } });

describeOnEachBackend('git URL credentials', (s) => {
  let environmentId: string;

  before(async () => {
    const project = await s.store.createProject({ name: 'shop' });
    environmentId = (await s.store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
  });
  const rawSource = async (id: string) => JSON.stringify((await s.backend.rawRows('select source from services where id = $1', [id]))[0]);

  it('are sealed in the row, for applications and jobs, on create and on update, and read back whole', async () => {
    const url = 'https://ci:tok-SECRET-123@git.example.com/shop/web.git';
    const app = await s.store.createService({ environmentId, name: 'web', type: 'application', source: gitSource(url), settings: DEFAULT_SERVICE_SETTINGS });
    const job: JobSource = { jobType: 'lifecycle', events: ['start'], source: gitSource('https://tok-JOB-4567@git.example.com/shop/migrate.git'), maxDurationSeconds: 60, maxRestarts: 0 };
    const migrate = await s.store.createService({ environmentId, name: 'migrate', type: 'job', source: job, settings: DEFAULT_SERVICE_SETTINGS });
    for (const [id, token] of [[app.id, 'tok-SECRET-123'], [migrate.id, 'tok-JOB-4567']] as const) {
      const raw = await rawSource(id);
      assert.ok(!raw.includes(token), `the row holds the token: ${raw}`);
      assert.ok(raw.includes('git.example.com/shop/'), 'the rest of the URL stays readable');
    }
    assert.equal(((await s.store.getService(app.id))!.source as GitSource).git.url, url);
    assert.equal((((await s.store.getService(migrate.id))!.source as JobSource).source as GitSource).git.url, 'https://tok-JOB-4567@git.example.com/shop/migrate.git');

    // A userinfo with an "@" in it: all of it is sealed.
    const tricky = 'https://u:p@ss-SECRET@git.example.com/shop/web.git';
    await s.store.updateService(app.id, { source: gitSource(tricky) });
    const raw = await rawSource(app.id);
    assert.ok(!raw.includes('ss-SECRET') && !raw.includes('u:p'), `the row holds the credentials: ${raw}`);
    assert.equal(((await s.store.getService(app.id))!.source as GitSource).git.url, tricky);
    // Copied into another store with another key, it does not decrypt: it is really encrypted.
    await assert.rejects((await s.backend.openStore({ secretKey: 'not-the-key' })).getService(app.id), /decrypt/);
  });

  it('written in clear by an older Slipway, are sealed when a store opens', async () => {
    const url = 'https://ci:tok-LEGACY-789@git.example.com/shop/old.git';
    const old = await s.store.createService({ environmentId, name: 'old', type: 'application', source: gitSource('https://git.example.com/shop/old.git'), settings: DEFAULT_SERVICE_SETTINGS });
    const clear = JSON.stringify(gitSource(url));
    if (s.backend.name === 'postgres') {
      await s.backend.rawRows('update services set source = $1 where id = $2', [clear, old.id]);
    } else {
      const db = new SqliteDatabase(join(s.backend.dataDir, 'slipway.db'));
      db.prepare('update services set source = ? where id = ?').run(clear, old.id);
      db.close();
    }
    assert.ok((await rawSource(old.id)).includes('tok-LEGACY-789'));
    // An older row still reads as it was.
    assert.equal(((await s.store.getService(old.id))!.source as GitSource).git.url, url);
    const reopened = await s.backend.openStore();
    assert.ok(!(await rawSource(old.id)).includes('tok-LEGACY-789'), 'the clear token is still in the row');
    assert.equal(((await reopened.getService(old.id))!.source as GitSource).git.url, url);
  });
});
