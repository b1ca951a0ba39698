import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { GitError } from '../../src/build/git-client.js';
import { bearer, startHarness, type Harness } from './api-harness.js';

/** Versions and outdated services when a git remote cannot be read: the reason, not a 500. */

const HEAD = 'a'.repeat(40);
let h: Harness;
let envId = '';
let goodId = '';
let brokenId = '';

before(async () => {
  h = await startHarness({
    git: {
      headCommit: async (source) => {
        if (source.url.includes('broken')) throw new GitError(`cannot read ${source.url}: Permission denied (publickey)`);
        return HEAD;
      },
      listCommits: async (source) => {
        if (source.url.includes('broken')) throw new GitError(`cannot read ${source.url}: Permission denied (publickey)`);
        return [{ sha: HEAD, message: 'v2', author: 'A', date: '2026-11-27T00:00:00Z' }];
      },
    },
  });
  const project = await h.store.createProject({ name: 'git' });
  envId = (await h.store.createEnvironment({ projectId: project.id, name: 'prod', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
  const git = (url: string) => ({ git: { url, branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } });
  goodId = (await h.store.createService({ environmentId: envId, name: 'good', type: 'application', source: git('https://git.test/good.git'), settings: DEFAULT_SERVICE_SETTINGS })).id;
  brokenId = (await h.store.createService({ environmentId: envId, name: 'broken', type: 'application', source: git('https://git.test/broken.git'), settings: DEFAULT_SERVICE_SETTINGS })).id;
});

after(async () => h.close());

test('outdated services list the readable ones and name the unreadable ones with the reason', async () => {
  const res = await h.app.inject({ method: 'GET', url: `/api/v1/environments/${envId}/outdated-services`, headers: bearer(h.tokens.viewer) });
  assert.equal(res.statusCode, 200);
  const body = res.json() as { items: Array<{ id: string; latestVersion: string }>; unreadable: Array<{ id: string; message: string }> };
  assert.deepEqual(body.items.map((i) => [i.id, i.latestVersion]), [[goodId, HEAD]]);
  assert.deepEqual(body.unreadable.map((u) => u.id), [brokenId]);
  assert.match(body.unreadable[0]!.message, /Permission denied/);
});

test('versions of a service whose remote cannot be read answer 502 UPSTREAM_UNAVAILABLE with the reason', async () => {
  const ok = await h.app.inject({ method: 'GET', url: `/api/v1/services/${goodId}/versions`, headers: bearer(h.tokens.viewer) });
  assert.equal(ok.statusCode, 200);
  const res = await h.app.inject({ method: 'GET', url: `/api/v1/services/${brokenId}/versions`, headers: bearer(h.tokens.viewer) });
  assert.equal(res.statusCode, 502);
  const error = (res.json() as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
  assert.match(error.message, /Permission denied \(publickey\)/);
});
