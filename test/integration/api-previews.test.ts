import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { bearer, startHarness, type Harness } from './api-harness.js';

/**
 * Preview environments through the API (docs/teams.md#preview-environments): the project's
 * previews setting, and signed pull request events deciding what happens to `pr-<number>`, with
 * the control plane recording what would run. test/integration/e2e/previews.test.ts deploys for
 * real.
 */

const V = '/api/v1';
const REPO = 'https://git.example.com/shop/web.git';
const OTHER_REPO = 'https://git.example.com/shop/other.git';
const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);
const SHA3 = '3'.repeat(40);
let h: Harness;
let admin: Record<string, string>;
let projectId: string;
let secret: string;
let blueprintId: string;

before(async () => {
  h = await startHarness();
  admin = bearer(h.tokens.admin);
  const project = await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'previews' } });
  projectId = project.json().id;
  secret = project.json().webhookSecret;
  blueprintId = await environmentWithServices(projectId, 'staging');
});

after(async () => {
  await h?.close();
});

beforeEach(() => {
  h.cp.submits.length = 0;
});

async function environmentWithServices(project: string, name: string): Promise<string> {
  const env = await h.app.inject({ method: 'POST', url: `${V}/projects/${project}/environments`, headers: admin, payload: { name } });
  assert.equal(env.statusCode, 201, env.body);
  const id = env.json().id as string;
  for (const [service, url] of [['web', REPO], ['other', OTHER_REPO]] as const) {
    const res = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${id}/services`,
      headers: admin,
      payload: { name: service, type: 'application', source: { git: { url, branch: 'main' } } },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  return id;
}

function patchProject(id: string, payload: unknown) {
  return h.app.inject({ method: 'PATCH', url: `${V}/projects/${id}`, headers: admin, payload: payload as Record<string, unknown> });
}

function githubPr(action: string, number: number, sha: string, updatedAt: string, over: { headRepo?: string } = {}): string {
  const repo = { full_name: 'shop/web', clone_url: REPO };
  return JSON.stringify({
    action,
    number,
    pull_request: {
      number,
      html_url: `https://git.example.com/shop/web/pull/${number}`,
      updated_at: updatedAt,
      head: { ref: 'feature', sha, repo: { ...repo, full_name: over.headRepo ?? repo.full_name } },
      base: { ref: 'main', sha: SHA1, repo },
    },
    repository: repo,
  });
}

function sendGithub(body: string, delivery = randomUUID(), key = secret, path = `/webhooks/git/${projectId}`) {
  return h.app.inject({
    method: 'POST',
    url: `${V}${path}`,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', key).update(body).digest('hex')}`,
    },
    payload: body,
  });
}

function sendGitlab(attributes: Record<string, unknown>, uuid = randomUUID()) {
  const body = JSON.stringify({
    object_kind: 'merge_request',
    project: { git_http_url: REPO },
    object_attributes: { source_project_id: 1, target_project_id: 1, source_branch: 'feature', target_branch: 'main', ...attributes },
  });
  return h.app.inject({
    method: 'POST',
    url: `${V}/webhooks/git/${projectId}`,
    headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Merge Request Hook', 'x-gitlab-token': secret, 'x-gitlab-event-uuid': uuid },
    payload: body,
  });
}

async function environmentNamed(name: string) {
  const list = await h.app.inject({ method: 'GET', url: `${V}/projects/${projectId}/environments`, headers: admin });
  return (list.json().items as Array<{ id: string; name: string; preview: { number: number; branch: string; url: string } | null }>).find((e) => e.name === name);
}

async function servicesOf(environmentId: string) {
  const res = await h.app.inject({ method: 'GET', url: `${V}/environments/${environmentId}/services`, headers: admin });
  return res.json().items as Array<{ id: string; name: string; source: { git: { url: string; branch: string } }; targetVersion: string | null }>;
}

describe('the project previews setting', () => {
  test('refused unless the blueprint is an environment of that project; shown on the project; every PATCH field optional', async () => {
    const other = (await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'previews-other' } })).json().id as string;
    const foreign = await h.app.inject({ method: 'POST', url: `${V}/projects/${other}/environments`, headers: admin, payload: { name: 'prod' } });
    for (const [payload, message] of [
      [{ previews: { blueprintEnvironmentId: foreign.json().id } }, /not an environment of this project/],
      [{ previews: { blueprintEnvironmentId: randomUUID() } }, /not an environment of this project/],
      [{ previews: { enabled: true } }, /required/],
    ] as const) {
      const res = await patchProject(projectId, payload);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.details[0].field, 'body/previews/blueprintEnvironmentId');
      assert.match(res.json().error.details[0].message, message);
    }
    assert.equal((await patchProject(projectId, { previews: { blueprintEnvironmentId: 'not-a-uuid' } })).statusCode, 400);

    const set = await patchProject(projectId, { previews: { blueprintEnvironmentId: blueprintId } });
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json().previews, { blueprintEnvironmentId: blueprintId, enabled: true, problem: null });
    assert.equal(set.json().name, 'previews');
    // A rename alone keeps the previews; enabled alone is merged over them.
    assert.deepEqual((await patchProject(projectId, { name: 'previews' })).json().previews.blueprintEnvironmentId, blueprintId);
    assert.equal((await patchProject(projectId, { previews: { enabled: false } })).json().previews.enabled, false);
    assert.equal((await patchProject(projectId, { previews: null })).json().previews, null);
    assert.equal((await patchProject(projectId, { previews: { blueprintEnvironmentId: blueprintId, enabled: true } })).statusCode, 200);
    const shown = await h.app.inject({ method: 'GET', url: `${V}/projects/${projectId}`, headers: admin });
    assert.deepEqual(shown.json().previews, { blueprintEnvironmentId: blueprintId, enabled: true, problem: null });
    assert.equal((await environmentNamed('staging'))?.preview, null);
  });
});

describe('GitHub pull request events', () => {
  test('opened clones the blueprint into pr-<n> on the head branch and commit and deploys it; synchronize, closed', async () => {
    const opened = githubPr('opened', 7, SHA1, '2026-01-01T10:00:00Z');
    const delivery = randomUUID();
    const res = await sendGithub(opened, delivery);
    assert.equal(res.statusCode, 202, res.body);
    const preview = await environmentNamed('pr-7');
    assert.ok(preview, 'pr-7 exists');
    assert.deepEqual(preview.preview, { number: 7, branch: 'feature', url: 'https://git.example.com/shop/web/pull/7' });
    assert.deepEqual(res.json().previews, [{ projectId, number: 7, environmentId: preview.id, did: 'created', deploymentIds: [res.json().previews[0].deploymentIds[0]] }]);
    const services = Object.fromEntries((await servicesOf(preview.id)).map((s) => [s.name, s]));
    assert.equal(services.web!.source.git.branch, 'feature');
    assert.equal(services.web!.targetVersion, SHA1);
    // A service following another repository stays as the blueprint has it.
    assert.equal(services.other!.source.git.branch, 'main');
    assert.equal(services.other!.targetVersion, null);
    assert.deepEqual(h.cp.submits.map((s) => [s.environmentId, s.action, s.origin]), [[preview.id, 'DEPLOY', 'GIT']]);

    // The same delivery again, and the same body under another delivery id: nothing.
    assert.equal((await sendGithub(opened, delivery)).json().duplicate, true);
    assert.equal((await sendGithub(opened)).statusCode, 200);
    assert.equal(h.cp.submits.length, 1);

    const sync = await sendGithub(githubPr('synchronize', 7, SHA2, '2026-01-01T10:05:00Z'));
    assert.equal(sync.statusCode, 202, sync.body);
    assert.equal(sync.json().previews[0].did, 'deployed');
    assert.deepEqual(h.cp.submits.slice(1).map((s) => [s.action, s.serviceId, s.version]), [['DEPLOY_VERSION', services.web!.id, SHA2]]);

    // Out of order: an older synchronize and the opened event of another delivery do not act.
    const older = await sendGithub(githubPr('synchronize', 7, SHA3, '2026-01-01T10:02:00Z'));
    assert.equal(older.statusCode, 200, older.body);
    assert.match(older.json().reason, /older event/);
    assert.equal((await sendGithub(githubPr('reopened', 7, SHA1, '2026-01-01T10:00:00Z'))).statusCode, 200);
    assert.equal(h.cp.submits.length, 2);

    const closed = await sendGithub(githubPr('closed', 7, SHA2, '2026-01-01T11:00:00Z'));
    assert.equal(closed.statusCode, 202, closed.body);
    assert.equal(closed.json().previews[0].did, 'deleted');
    assert.deepEqual(h.cp.submits.slice(2).map((s) => [s.environmentId, s.action, s.keepData]), [[preview.id, 'DELETE', false]]);
    // A synchronize delivered late does not bring it back; closed again does not delete twice.
    assert.equal((await sendGithub(githubPr('synchronize', 7, SHA3, '2026-01-01T10:30:00Z'))).statusCode, 200);
    assert.equal((await sendGithub(githubPr('closed', 7, SHA2, '2026-01-01T11:00:01Z'))).statusCode, 200);
    assert.equal(h.cp.submits.length, 3);

    const audit = await h.app.inject({ method: 'GET', url: `${V}/audit?projectId=${projectId}&limit=100`, headers: admin });
    const mine = (audit.json().items as Array<{ tokenName: string; action: string; resourceId: string; statusCode: number }>).filter((e) => e.tokenName === 'webhook');
    assert.deepEqual(mine.map((e) => [e.action, e.resourceId, e.statusCode]).reverse(), [
      ['preview.create', preview.id, 202],
      ['preview.deploy', preview.id, 202],
      ['preview.delete', preview.id, 202],
    ]);
  });

  test('events that change no preview: edited, from a fork, previews turned off, a bad signature', async () => {
    assert.equal((await sendGithub(githubPr('edited', 8, SHA1, '2026-01-01T10:00:00Z'))).statusCode, 200);
    const fork = await sendGithub(githubPr('opened', 8, SHA1, '2026-01-01T10:00:00Z', { headRepo: 'someone/web' }));
    assert.equal(fork.statusCode, 200);
    assert.match(fork.json().reason, /fork/);
    assert.equal((await sendGithub(githubPr('opened', 8, SHA1, '2026-01-01T10:00:00Z'), randomUUID(), 'wrong-secret')).statusCode, 401);
    await patchProject(projectId, { previews: { enabled: false } });
    try {
      const off = await sendGithub(githubPr('opened', 8, SHA1, '2026-01-01T10:00:00Z'));
      assert.equal(off.statusCode, 200);
      assert.match(off.json().reason, /turned off/);
    } finally {
      await patchProject(projectId, { previews: { enabled: true } });
    }
    assert.equal(h.cp.submits.length, 0);
    assert.equal(await environmentNamed('pr-8'), undefined);
  });
});

test('GitLab merge request events: open creates, an update with new commits deploys, one without does not, merge deletes', async () => {
  const base = { iid: 21, url: 'https://git.example.com/shop/web/-/merge_requests/21' };
  const open = await sendGitlab({ ...base, action: 'open', last_commit: { id: SHA1 }, updated_at: '2026-01-02 10:00:00 UTC' });
  assert.equal(open.statusCode, 202, open.body);
  const preview = await environmentNamed('pr-21');
  assert.deepEqual(preview?.preview, { number: 21, branch: 'feature', url: base.url });
  const uuid = randomUUID();
  const update = await sendGitlab({ ...base, action: 'update', oldrev: SHA1, last_commit: { id: SHA2 }, updated_at: '2026-01-02 10:05:00 UTC' }, uuid);
  assert.equal(update.statusCode, 202, update.body);
  assert.equal((await sendGitlab({ ...base, action: 'update', oldrev: SHA1, last_commit: { id: SHA2 }, updated_at: '2026-01-02 10:05:00 UTC' }, uuid)).json().duplicate, true);
  assert.equal((await sendGitlab({ ...base, action: 'update', last_commit: { id: SHA2 }, updated_at: '2026-01-02 10:06:00 UTC' })).statusCode, 200);
  const merged = await sendGitlab({ ...base, action: 'merge', last_commit: { id: SHA2 }, updated_at: '2026-01-02 11:00:00 UTC' });
  assert.equal(merged.statusCode, 202, merged.body);
  assert.deepEqual(h.cp.submits.map((s) => [s.action, s.version ?? null]), [['DEPLOY', null], ['DEPLOY_VERSION', SHA2], ['DELETE', null]]);
});

test('a preview whose blueprint was deleted says so; redelivered once another blueprint is set, it is created', async () => {
  const blueprint = await environmentWithServices(projectId, 'blueprint-gone');
  assert.equal((await patchProject(projectId, { previews: { blueprintEnvironmentId: blueprint } })).statusCode, 200);
  await h.store.deleteEnvironment(blueprint);
  const shown = await h.app.inject({ method: 'GET', url: `${V}/projects/${projectId}`, headers: admin });
  assert.match(shown.json().previews.problem, /blueprint environment .* was deleted/);

  const body = githubPr('opened', 30, SHA1, '2026-01-03T10:00:00Z');
  const delivery = randomUUID();
  const refused = await sendGithub(body, delivery);
  assert.equal(refused.statusCode, 409, refused.body);
  assert.equal(refused.json().error.code, 'CONFLICT');
  assert.match(refused.json().error.message, /pull request #30: the blueprint environment .* was deleted/);
  assert.equal(await environmentNamed('pr-30'), undefined);
  assert.equal(h.cp.submits.length, 0);
  const audit = await h.app.inject({ method: 'GET', url: `${V}/audit?projectId=${projectId}&limit=1`, headers: admin });
  assert.deepEqual(
    (audit.json().items as Array<{ tokenName: string; action: string; statusCode: number }>).map((e) => [e.tokenName, e.action, e.statusCode]),
    [['webhook', 'preview.create', 409]],
  );

  assert.equal((await patchProject(projectId, { previews: { blueprintEnvironmentId: blueprintId } })).json().previews.problem, null);
  const again = await sendGithub(body, delivery);
  assert.equal(again.statusCode, 202, again.body);
  assert.ok(await environmentNamed('pr-30'));
});

test('a blueprint without services gives an empty preview, with nothing to deploy', async () => {
  const empty = await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'empty-blueprint' } });
  assert.equal((await patchProject(projectId, { previews: { blueprintEnvironmentId: empty.json().id } })).statusCode, 200);
  try {
    const res = await sendGithub(githubPr('opened', 40, SHA1, '2026-01-04T10:00:00Z'));
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(res.json().previews[0].did, 'created');
    assert.deepEqual(res.json().previews[0].deploymentIds, []);
    assert.equal(h.cp.submits.length, 0);
    assert.ok(await environmentNamed('pr-40'));
  } finally {
    await patchProject(projectId, { previews: { blueprintEnvironmentId: blueprintId } });
  }
});

test('the old path (any project\'s secret) acts on pull request events too', async () => {
  const res = await sendGithub(githubPr('opened', 50, SHA1, '2026-01-05T10:00:00Z'), randomUUID(), secret, '/webhooks/git');
  assert.equal(res.statusCode, 202, res.body);
  assert.deepEqual(res.json().previews.map((p: { projectId: string; did: string }) => [p.projectId, p.did]), [[projectId, 'created']]);
  assert.ok(await environmentNamed('pr-50'));
});
