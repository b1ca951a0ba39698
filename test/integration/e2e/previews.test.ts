import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { APP_PORT, testRegistry } from '../../support/images.js';
import { GitRepo } from '../build/git-repo.js';
import { cleanupEnvironments, docker, edgePorts, endpointOf, eventually, httpGet, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * Preview environments on real Docker (docs/teams.md#preview-environments): signed pull request
 * events about a real local git repository. Opened deploys the head commit of the pull
 * request's branch in `pr-<n>`, synchronize deploys the next commit, closed deletes the
 * environment and its volume; a replayed delivery and an out-of-order one do not act again.
 * GitHub and GitLab payloads, one pull request each.
 */

let slipway: Slipway;
let repo: GitRepo;
const environments = new Set<string>();
const probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };
let projectId: string;
let secret: string;
const commits: Record<string, string> = {};

before(async () => {
  repo = new GitRepo();
  repo.writeApp('', 'main');
  commits.main = repo.commit('main');
  repo.writeApp('', 'feature-1');
  commits.feature1 = repo.commit('feature 1', 'feature');
  repo.writeApp('', 'feature-2');
  commits.feature2 = repo.commit('feature 2', 'feature');
  slipway = await startSlipway({ edgePorts: edgePorts(43), name: 'previews', env: { SLIPWAY_REGISTRY: testRegistry } });
  const project = await slipway.api.expect<{ id: string; webhookSecret: string }>(201, 'POST', '/projects', { name: uniqueName('previews') });
  projectId = project.id;
  secret = project.webhookSecret;
  const blueprint = await slipway.api.createEnvironment(projectId, 'staging');
  environments.add(blueprint.id);
  await slipway.api.createService(blueprint.id, {
    name: 'web',
    type: 'application',
    source: { git: { url: repo.fileUrl, branch: 'main' } },
    settings: {
      memoryMb: 32,
      cpu: 100,
      ports: [{ containerPort: APP_PORT, public: true, protocol: 'http' }],
      healthchecks: { readiness: probe },
      storage: [{ mountPath: '/data', sizeGb: 1 }],
      startTimeoutSeconds: 30,
    },
  });
  await slipway.api.expect(200, 'PATCH', `/projects/${projectId}`, { previews: { blueprintEnvironmentId: blueprint.id } });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
  repo?.dispose();
});

interface Answer {
  status: number;
  body: { ignored?: boolean; duplicate?: boolean; reason?: string; previews?: Array<{ environmentId: string; did: string; deploymentIds: string[] }> };
}

async function post(headers: Record<string, string>, body: string): Promise<Answer> {
  const res = await fetch(`${slipway.server.url}/api/v1/webhooks/git/${projectId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

function github(action: string, number: number, sha: string, updatedAt: string): string {
  const repository = { full_name: 'team/app', clone_url: repo.fileUrl };
  return JSON.stringify({
    action,
    number,
    pull_request: { number, html_url: `https://git.example.test/team/app/pull/${number}`, updated_at: updatedAt, head: { ref: 'feature', sha, repo: repository }, base: { ref: 'main', repo: repository } },
    repository,
  });
}

function sendGithub(body: string, delivery = randomUUID()): Promise<Answer> {
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return post({ 'x-github-event': 'pull_request', 'x-github-delivery': delivery, 'x-hub-signature-256': signature }, body);
}

function sendGitlab(attributes: Record<string, unknown>, uuid = randomUUID()): Promise<Answer> {
  const body = JSON.stringify({
    object_kind: 'merge_request',
    project: { git_http_url: repo.fileUrl },
    object_attributes: { source_project_id: 5, target_project_id: 5, source_branch: 'feature', target_branch: 'main', ...attributes },
  });
  return post({ 'x-gitlab-event': 'Merge Request Hook', 'x-gitlab-token': secret, 'x-gitlab-event-uuid': uuid }, body);
}

/** The one act of an answer: its environment, after its deployments ended in SUCCESS. */
async function acted(answer: Answer, did: string): Promise<string> {
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
  const [preview] = answer.body.previews ?? [];
  assert.equal(preview?.did, did, JSON.stringify(answer.body));
  environments.add(preview.environmentId);
  for (const id of preview.deploymentIds) {
    const detail = await slipway.api.waitForDeployment(id, 240_000);
    assert.equal(detail.status, 'SUCCESS', JSON.stringify(detail));
  }
  return preview.environmentId;
}

async function webOf(environmentId: string) {
  const services = (await slipway.api.expect<{ items: Array<{ id: string; name: string }> }>(200, 'GET', `/environments/${environmentId}/services`)).items;
  const web = services.find((s) => s.name === 'web');
  assert.ok(web);
  return slipway.api.service(web.id);
}

async function volumesOf(serviceId: string): Promise<string[]> {
  return (await docker.listVolumes({ filters: { label: [`slipway.service=${serviceId}`] } })).Volumes?.map((v) => v.Name) ?? [];
}

/** The web service answers its version, deployed at this commit, with its volume. */
async function assertServes(environmentId: string, commit: string, version: string): Promise<string> {
  const web = await webOf(environmentId);
  assert.equal(web.deployedVersion, commit);
  assert.equal(await httpGet(await endpointOf(slipway.api, web.id)), version);
  assert.equal((await volumesOf(web.id)).length, 1, 'its volume');
  return web.id;
}

/** Closed: the environment is deleted (it leaves the store), and with it the containers and the volume. */
async function assertDeleted(environmentId: string, serviceId: string): Promise<void> {
  await eventually('the preview environment to be gone', async () => (await slipway.api.call('GET', `/environments/${environmentId}`)).status === 404, 60_000);
  assert.deepEqual(await runningContainers(serviceId), []);
  assert.deepEqual(await volumesOf(serviceId), [], 'its volume is deleted');
}

test('GitHub: opened deploys the branch head, synchronize the next commit, closed deletes it and its volume; replays do nothing', async () => {
  const opened = github('opened', 11, commits.feature1!, '2026-03-01T10:00:00Z');
  const delivery = randomUUID();
  const environmentId = await acted(await sendGithub(opened, delivery), 'created');
  const environment = await slipway.api.expect<{ name: string; preview: unknown }>(200, 'GET', `/environments/${environmentId}`);
  assert.equal(environment.name, 'pr-11');
  assert.deepEqual(environment.preview, { number: 11, branch: 'feature', url: 'https://git.example.test/team/app/pull/11' });
  await assertServes(environmentId, commits.feature1!, 'feature-1');

  await acted(await sendGithub(github('synchronize', 11, commits.feature2!, '2026-03-01T10:10:00Z')), 'deployed');
  const serviceId = await assertServes(environmentId, commits.feature2!, 'feature-2');
  const deployments = (await slipway.api.allDeployments(environmentId)).length;

  // The opened delivery again; an older synchronize delivered late: nothing runs, feature-2 stays.
  const replay = await sendGithub(opened, delivery);
  assert.equal(replay.status, 200);
  assert.equal(replay.body.duplicate, true);
  const late = await sendGithub(github('synchronize', 11, commits.feature1!, '2026-03-01T10:05:00Z'));
  assert.equal(late.status, 200, JSON.stringify(late.body));
  assert.match(late.body.reason ?? '', /older event/);
  assert.equal((await slipway.api.allDeployments(environmentId)).length, deployments);
  await assertServes(environmentId, commits.feature2!, 'feature-2');

  await acted(await sendGithub(github('closed', 11, commits.feature2!, '2026-03-01T11:00:00Z')), 'deleted');
  await assertDeleted(environmentId, serviceId);
  // A synchronize delivered after the close does not bring it back.
  assert.equal((await sendGithub(github('synchronize', 11, commits.feature2!, '2026-03-01T10:30:00Z'))).status, 200);
  const names = (await slipway.api.expect<{ items: Array<{ name: string }> }>(200, 'GET', `/projects/${projectId}/environments`)).items.map((e) => e.name);
  assert.deepEqual(names, ['staging']);
});

test('GitLab: open deploys the branch head, an update with new commits the next one, merge deletes it and its volume', async () => {
  const base = { iid: 12, url: 'https://git.example.test/team/app/-/merge_requests/12' };
  const uuid = randomUUID();
  const open = { ...base, action: 'open', last_commit: { id: commits.feature1 }, updated_at: '2026-03-02 10:00:00 UTC' };
  const environmentId = await acted(await sendGitlab(open, uuid), 'created');
  await assertServes(environmentId, commits.feature1!, 'feature-1');
  assert.equal((await sendGitlab(open, uuid)).body.duplicate, true);

  await acted(await sendGitlab({ ...base, action: 'update', oldrev: commits.feature1, last_commit: { id: commits.feature2 }, updated_at: '2026-03-02 10:10:00 UTC' }), 'deployed');
  const serviceId = await assertServes(environmentId, commits.feature2!, 'feature-2');
  // The open event of another delivery (a retry under a new id), older than the update: nothing.
  assert.equal((await sendGitlab(open)).status, 200);
  await assertServes(environmentId, commits.feature2!, 'feature-2');

  await acted(await sendGitlab({ ...base, action: 'merge', last_commit: { id: commits.feature2 }, updated_at: '2026-03-02 11:00:00 UTC' }), 'deleted');
  await assertDeleted(environmentId, serviceId);
});
