import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, startHarness, type Harness } from './api-harness.js';

/**
 * The version shown is the version deployed
 * (docs/actions.md#the-version-deployed-is-the-version-shown): an edit of the image tag a pinned
 * service pulls replaces the pin of Deploy other version (Redeploy then applies the edit); any
 * other edit, and any edit of a git service, keeps it.
 */

const V = '/api/v1';
let h: Harness;
let envId: string;
let admin: Record<string, string>;

before(async () => {
  h = await startHarness();
  admin = bearer(h.tokens.admin);
  const project = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'shop' } });
  envId = (await h.app.inject({ method: 'POST', url: `${V}/projects/${project.json().id}/environments`, headers: admin, payload: { name: 'prod' } })).json().id;
});

after(async () => {
  await h?.close();
});

async function create(payload: object): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: `${V}/environments/${envId}/services`, headers: admin, payload });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id;
}

async function patch(id: string, payload: object): Promise<{ targetVersion: string | null }> {
  const res = await h.app.inject({ method: 'PATCH', url: `${V}/services/${id}`, headers: admin, payload });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

test('an image tag edit unpins the service; other edits keep the pin', async () => {
  const box = await create({ name: 'box', type: 'container', source: { image: { name: '127.0.0.1:5000/box', tag: 'v1' } } });
  await h.store.setTargetVersion(box, 'v2');
  assert.equal((await patch(box, { settings: { instances: 2 } })).targetVersion, 'v2');
  assert.equal((await patch(box, { source: { image: { name: '127.0.0.1:5000/box', tag: 'v1' } } })).targetVersion, 'v2', 'the same source');
  assert.equal((await patch(box, { source: { image: { name: '127.0.0.1:5000/box', tag: 'v3' } } })).targetVersion, null);
});

test('a git source edit keeps the pinned commit: only Deploy latest and Deploy other version move it', async () => {
  const web = await create({ name: 'web', type: 'application', source: { git: { url: 'https://git.example.com/shop/web.git', branch: 'main' } } });
  const commit = 'c'.repeat(40);
  await h.store.setTargetVersion(web, commit);
  assert.equal((await patch(web, { source: { git: { url: 'https://git.example.com/shop/web.git', branch: 'release' } } })).targetVersion, commit);
});
