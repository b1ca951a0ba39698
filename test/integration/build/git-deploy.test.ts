import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testRegistry } from '../../support/images.js';
import type { DeploymentDetailView, StepView } from '../../support/api-client.js';
import { cleanupEnvironments, docker, edgePorts, endpointOf, eventually, httpGet, startSlipway, uniqueName, type Slipway } from '../e2e/helpers.js';
import { runAction } from '../e2e/run-action.js';
import { BROKEN_DOCKERFILE, GitRepo, SLOW_DOCKERFILE } from './git-repo.js';

/**
 * Git services end to end, on a real Slipway process with SLIPWAY_REGISTRY set: real git
 * repositories (bare remotes as file:// URLs), real builds on the Docker Engine, pushes to the
 * real registry, the deployed app answering through its endpoint.
 */

let slipway: Slipway;
let repo: GitRepo;
const environments = new Set<string>();
let projectId = '';
let webhookSecret = '';
let environmentId = '';
let web = '';
let sub = '';
const commits: Record<string, string> = {};

function steps(detail: DeploymentDetailView, serviceId: string): StepView[] {
  return detail.stages.flatMap((s) => s.services).find((s) => s.serviceId === serviceId)?.steps ?? [];
}

function appBody(name: string, rootPath = '/', autoDeploy = true) {
  return {
    name,
    type: 'application',
    source: { git: { url: repo.fileUrl, branch: 'main', rootPath } },
    settings: {
      memoryMb: 32,
      cpu: 100,
      autoDeploy,
      ports: [{ containerPort: 8080, public: true, protocol: 'http' }],
      healthchecks: {
        readiness: { type: 'http', path: '/healthz', port: 8080, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 },
      },
      startTimeoutSeconds: 30,
    },
  };
}

function githubPush(commit: string, secret: string | null, branch = 'main') {
  const body = JSON.stringify({
    ref: `refs/heads/${branch}`,
    after: commit,
    repository: {
      // The forms GitHub sends; the service's URL is the file:// one, matched after normalisation.
      clone_url: `${repo.fileUrl}/`,
      ssh_url: 'git@example.test:team/app.git',
      html_url: 'https://example.test/team/app',
      git_url: 'git://example.test/team/app.git',
    },
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': 'push' };
  if (secret !== null) headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return fetch(`${slipway.server.url}/api/v1/webhooks/git`, { method: 'POST', headers, body });
}

async function allLogs(deploymentId: string): Promise<string[]> {
  return (await slipway.api.logs(deploymentId)).items.map((l) => `${l.step ?? ''} ${l.level} ${l.message}`);
}

before(async () => {
  repo = new GitRepo();
  repo.writeApp('', 'v1');
  repo.writeApp('sub', 'sub-v1');
  commits.v1 = repo.commit('v1 of the app');
  slipway = await startSlipway({ edgePorts: edgePorts(15), name: 'git-deploy', env: { SLIPWAY_REGISTRY: testRegistry } });
  const project = await slipway.api.expect<{ id: string; webhookSecret: string }>(201, 'POST', '/projects', { name: uniqueName('gitp') });
  projectId = project.id;
  webhookSecret = project.webhookSecret;
  environmentId = (await slipway.api.createEnvironment(projectId, 'staging')).id;
  environments.add(environmentId);
  web = (await slipway.api.createService(environmentId, appBody('web'))).id;
  sub = (await slipway.api.createService(environmentId, appBody('sub', '/sub', false))).id;
});

after(async () => {
  await slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
  repo?.dispose();
});

describe('git services on docker with a registry', () => {
  it('deploys from git: GIT_CLONE, BUILD, PUSH recorded, the app answers v1, the image is in the registry', async () => {
    const { deploymentId } = await slipway.api.actOnEnvironment(environmentId, 'deploy');
    const detail = await slipway.api.waitForDeployment(deploymentId);
    assert.equal(detail.status, 'SUCCESS', JSON.stringify(detail));
    for (const id of [web, sub]) {
      const names = steps(detail, id).map((s) => `${s.name}:${s.status}`);
      assert.deepEqual(names, ['QUEUEING:SUCCESS', 'GIT_CLONE:SUCCESS', 'BUILD:SUCCESS', 'PUSH:SUCCESS', 'DEPLOY:SUCCESS']);
      for (const step of steps(detail, id)) assert.equal(typeof step.durationMs, 'number');
      const service = await slipway.api.service(id);
      assert.equal(service.state, 'DEPLOYED');
      assert.equal(service.deployedVersion, commits.v1);
    }
    assert.equal(await httpGet(await endpointOf(slipway.api, web)), 'v1');
    assert.equal(await httpGet(await endpointOf(slipway.api, sub)), 'sub-v1');
    const tags = (await (await fetch(`http://${testRegistry}/v2/${(await slipway.api.expect<{ name: string }>(200, 'GET', `/projects/${projectId}`)).name}-web/tags/list`)).json()) as { tags: string[] };
    assert.ok(tags.tags.includes(commits.v1!), `registry tags: ${tags.tags}`);
    const logs = await allLogs(deploymentId);
    assert.ok(logs.some((l) => l.startsWith('BUILD info') && /Step \d\/\d : COPY www/.test(l)), 'build output is streamed into the log');
  });

  it('a second deploy of the same commit skips the build: "image already built", QUEUED straight to DEPLOYED', async () => {
    const { accepted, detail, path } = await runAction(slipway, web, () => slipway.api.act(web, 'redeploy'));
    const { deploymentId } = accepted;
    assert.equal(detail.status, 'SUCCESS');
    const build = steps(detail, web).find((s) => s.name === 'BUILD');
    assert.equal(build?.message, 'image already built');
    assert.equal(build?.status, 'SKIPPED');
    // Nothing to build and the image already runs: neither BUILDING nor DEPLOYING.
    assert.deepEqual(path, ['QUEUED', 'DEPLOYED']);
    assert.equal(steps(detail, web).find((s) => s.name === 'DEPLOY')?.message, 'no changes');
    assert.ok(!steps(detail, web).some((s) => s.name === 'GIT_CLONE' || s.name === 'PUSH'));
    assert.ok((await allLogs(deploymentId)).some((l) => l.includes('image already built')));
  });

  it('lists the branch commits as versions', async () => {
    commits.v2 = (repo.writeApp('', 'v2'), repo.commit('v2 of the app'));
    const versions = await slipway.api.expect<{ items: Array<{ sha: string; message: string; author: string; date: string }> }>(200, 'GET', `/services/${web}/versions`);
    assert.deepEqual(
      versions.items.map((v) => [v.sha, v.message]),
      [
        [commits.v2, 'v2 of the app'],
        [commits.v1, 'v1 of the app'],
      ],
    );
    assert.match(versions.items[0]!.author, /Test Author/);
    assert.ok(!Number.isNaN(Date.parse(versions.items[0]!.date)));
  });

  it('a push webhook without or with a wrong signature is refused (401) and changes nothing', async () => {
    const before = (await slipway.api.allDeployments(environmentId)).length;
    assert.equal((await githubPush(commits.v2!, null)).status, 401);
    assert.equal((await githubPush(commits.v2!, 'not-the-secret')).status, 401);
    const gitlab = await fetch(`${slipway.server.url}/api/v1/webhooks/git`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' },
      body: JSON.stringify({ ref: 'refs/heads/main', checkout_sha: commits.v2, project: { git_http_url: repo.fileUrl } }),
    });
    assert.equal(gitlab.status, 401);
    assert.equal((await slipway.api.allDeployments(environmentId)).length, before);
    assert.equal((await slipway.api.service(web)).deployedVersion, commits.v1);
  });

  it('a signed push of v2 deploys v2 on the auto-deploy service only', async () => {
    const response = await githubPush(commits.v2!, webhookSecret);
    assert.equal(response.status, 202);
    const body = (await response.json()) as { items: Array<{ serviceId: string; deploymentId: string }> };
    assert.deepEqual(body.items.map((i) => i.serviceId), [web]);
    const detail = await slipway.api.waitForDeployment(body.items[0]!.deploymentId);
    assert.equal(detail.status, 'SUCCESS');
    assert.equal((detail as unknown as { origin: string }).origin, 'GIT');
    assert.equal(await httpGet(await endpointOf(slipway.api, web)), 'v2');
    assert.equal((await slipway.api.service(web)).deployedVersion, commits.v2);
    assert.equal((await slipway.api.service(sub)).deployedVersion, commits.v1);
  });

  it('Redeploy deploys the commit shown, not the branch head: sub stays at v1 after v2 was pushed', async () => {
    assert.equal((await slipway.api.service(sub)).deployedVersion, commits.v1);
    const { deploymentId } = await slipway.api.act(sub, 'redeploy');
    const detail = await slipway.api.waitForDeployment(deploymentId);
    assert.equal(detail.status, 'SUCCESS', JSON.stringify(detail));
    assert.equal(detail.stages.flatMap((s) => s.services).find((s) => s.serviceId === sub)?.version, commits.v1);
    const service = await slipway.api.service(sub);
    assert.equal(service.deployedVersion, commits.v1);
    assert.equal(service.targetVersion, null);
    assert.equal(await httpGet(await endpointOf(slipway.api, sub)), 'sub-v1');
  });

  it('outdated-services lists exactly the services behind their branch head; deploy-latest moves only the chosen ones', async () => {
    type Outdated = { items: Array<{ id: string; latestVersion: string }> };
    let outdated = await slipway.api.expect<Outdated>(200, 'GET', `/environments/${environmentId}/outdated-services`);
    assert.deepEqual(outdated.items.map((i) => i.id), [sub]);
    repo.writeApp('sub', 'sub-v3');
    commits.v3 = repo.commit('v3: sub changes');
    outdated = await slipway.api.expect<Outdated>(200, 'GET', `/environments/${environmentId}/outdated-services`);
    assert.deepEqual(outdated.items.map((i) => i.id).sort(), [web, sub].sort());
    assert.ok(outdated.items.every((i) => i.latestVersion === commits.v3));
    const accepted = await slipway.api.expect<{ deploymentId: string }>(202, 'POST', `/environments/${environmentId}/deploy-latest`, { serviceIds: [sub] });
    assert.equal((await slipway.api.waitForDeployment(accepted.deploymentId)).status, 'SUCCESS');
    assert.equal((await slipway.api.service(sub)).deployedVersion, commits.v3);
    assert.equal((await slipway.api.service(web)).deployedVersion, commits.v2);
    assert.equal(await httpGet(await endpointOf(slipway.api, sub)), 'sub-v3');
    outdated = await slipway.api.expect<Outdated>(200, 'GET', `/environments/${environmentId}/outdated-services`);
    assert.deepEqual(outdated.items.map((i) => i.id), [web]);
  });

  it('a broken commit ends BUILD_ERROR with the builder error in the log while v2 keeps serving', async () => {
    repo.write('Dockerfile', BROKEN_DOCKERFILE);
    commits.broken = repo.commit('broken Dockerfile');
    const { deploymentId } = await slipway.api.act(web, 'deploy', { version: commits.broken });
    const detail = await slipway.api.waitForDeployment(deploymentId);
    assert.equal(detail.status, 'ERROR');
    const service = await slipway.api.service(web);
    assert.equal(service.state, 'BUILD_ERROR');
    const build = steps(detail, web).find((s) => s.name === 'BUILD');
    assert.equal(build?.status, 'ERROR');
    assert.match(build?.message ?? '', /no-such-file/);
    assert.ok((await allLogs(deploymentId)).some((l) => l.startsWith('BUILD error') && l.includes('no-such-file')));
    assert.equal(service.deployedVersion, commits.v2);
    assert.equal(await httpGet(await endpointOf(slipway.api, web)), 'v2');
  });

  it('Cancel during a build ends CANCELED within seconds and leaves no build running', async () => {
    repo.write('Dockerfile', SLOW_DOCKERFILE);
    commits.slow = repo.commit('a build that takes minutes');
    const { deploymentId } = await slipway.api.act(web, 'deploy', { version: commits.slow });
    // The RUN step's container is running once its "Running in" line is in the log.
    await eventually('the slow RUN step to be running', async () => (await allLogs(deploymentId)).some((l) => l.includes('Running in')), 60_000);
    assert.equal((await slipway.api.service(web)).state, 'BUILDING');
    const asked = Date.now();
    assert.equal((await slipway.api.cancel(environmentId)).status, 202);
    const detail = await slipway.api.waitForDeployment(deploymentId, 30_000);
    const tookMs = Date.now() - asked;
    assert.equal(detail.status, 'CANCELED');
    assert.equal((await slipway.api.service(web)).state, 'CANCELED');
    assert.ok(tookMs < 10_000, `cancel took ${tookMs} ms`);
    await eventually(
      'no build container left',
      async () => {
        const containers = await docker.listContainers({ all: false });
        return !containers.some((c) => c.Command.includes('sleep 300'));
      },
      15_000,
    );
    assert.equal(await httpGet(await endpointOf(slipway.api, web)), 'v2');
  });
});
