import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { cleanupEnvironments, edgePorts, endpointOf, httpGet, startSlipway, uniqueName, type Slipway } from '../e2e/helpers.js';
import { GitHttpServer } from './git-http-server.js';
import { GitRepo } from './git-repo.js';

/**
 * A smart-HTTP remote that needs a token (git http-backend behind basic auth), on a Slipway
 * without a registry (images stay in the local engine): the token works, its absence fails
 * clearly, and the token is in no log line of the deployment nor of the server, nor in clear in
 * the database; the URL sent back masked keeps the token for later builds.
 */

const TOKEN = `tok-${Math.random().toString(36).slice(2)}-secret`;
let slipway: Slipway;
let repo: GitRepo;
let http: GitHttpServer;
const environments = new Set<string>();
let environmentId = '';
const serverOutput: string[] = [];

function service(name: string, url: string) {
  return {
    name,
    type: 'application',
    source: { git: { url, branch: 'main' } },
    settings: {
      memoryMb: 32,
      cpu: 100,
      ports: [{ containerPort: 8080, public: true, protocol: 'http' }],
      healthchecks: {
        readiness: { type: 'http', path: '/healthz', port: 8080, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 },
      },
      startTimeoutSeconds: 30,
    },
  };
}

before(async () => {
  repo = new GitRepo();
  repo.writeApp('', `v1-${Date.now()}`);
  repo.commit('v1 over http');
  http = await GitHttpServer.start(dirname(repo.bare), TOKEN);
  slipway = await startSlipway({ edgePorts: edgePorts(16), name: 'git-http', env: { SLIPWAY_REGISTRY: '' } });
  slipway.server.child.stdout!.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString('utf8')));
  slipway.server.child.stderr!.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString('utf8')));
  const project = await slipway.api.createProject(uniqueName('httpp'));
  environmentId = (await slipway.api.createEnvironment(project.id, 'staging')).id;
  environments.add(environmentId);
});

after(async () => {
  await slipway?.events.close();
  await slipway?.server.dispose();
  await http?.close();
  await cleanupEnvironments(environments);
  repo?.dispose();
});

describe('a smart-HTTP git remote with a token', () => {
  it('deploys with the token, fails clearly without it, and the token is in no log line', async () => {
    const repoUrl = `${http.url}/${basename(repo.bare)}`;
    const withToken = await slipway.api.createService(environmentId, service('web', repoUrl.replace('http://', `http://x-access-token:${TOKEN}@`)));
    assert.ok(!JSON.stringify(withToken).includes(TOKEN), 'the API masks the token');

    const ok = await slipway.api.act(withToken.id, 'deploy');
    const okDetail = await slipway.api.waitForDeployment(ok.deploymentId);
    assert.equal(okDetail.status, 'SUCCESS', JSON.stringify(okDetail));
    assert.match(await httpGet(await endpointOf(slipway.api, withToken.id)), /^v1-/);

    const without = await slipway.api.createService(environmentId, service('anon', repoUrl));
    const failed = await slipway.api.act(without.id, 'deploy');
    const failedDetail = await slipway.api.waitForDeployment(failed.deploymentId);
    assert.equal(failedDetail.status, 'ERROR');
    const anon = await slipway.api.service(without.id);
    assert.equal(anon.state, 'BUILD_ERROR');
    assert.match(anon.statusMessage ?? '', /cannot read http:\/\/127\.0\.0\.1:\d+\/remote\.git: .*(Authentication failed|could not read Username|401)/i);

    // The database holds the token sealed, never in clear.
    const db = new SqliteDatabase(join(slipway.server.options.dataDir, 'slipway.db'), { readonly: true });
    try {
      const rows = db.prepare('select source from services').all();
      assert.ok(rows.length >= 2 && !JSON.stringify(rows).includes(TOKEN), 'a services row holds the token in clear');
    } finally {
      db.close();
    }

    // The source sent back as the API shows it (token masked) keeps the token: a new commit builds.
    const shown = await slipway.api.service(withToken.id);
    await slipway.api.patchService(withToken.id, { source: shown.source });
    repo.writeApp('', `v2-${Date.now()}`);
    const v2 = repo.commit('v2 over http');
    const other = await slipway.api.act(withToken.id, 'deploy', { version: v2 });
    assert.equal((await slipway.api.waitForDeployment(other.deploymentId)).status, 'SUCCESS');
    assert.match(await httpGet(await endpointOf(slipway.api, withToken.id)), /^v2-/);

    // Redeploy with the token (image already in the local engine) and read every log and response.
    const again = await slipway.api.act(withToken.id, 'redeploy');
    assert.equal((await slipway.api.waitForDeployment(again.deploymentId)).status, 'SUCCESS');
    const texts: string[] = [...serverOutput];
    for (const id of [ok.deploymentId, failed.deploymentId, other.deploymentId, again.deploymentId]) {
      texts.push(JSON.stringify(await slipway.api.logs(id)), JSON.stringify(await slipway.api.deployment(id)));
    }
    texts.push(JSON.stringify(await slipway.api.service(withToken.id)));
    const logLines = (await slipway.api.logs(ok.deploymentId)).items;
    assert.ok(logLines.some((l) => l.step === 'GIT_CLONE'), 'the clone is logged');
    assert.ok(logLines.some((l) => l.step === 'BUILD'), 'the build is logged');
    for (const text of texts) assert.ok(!text.includes(TOKEN), `the token leaked: ${text.slice(Math.max(0, text.indexOf(TOKEN) - 200), text.indexOf(TOKEN) + 50)}`);
  });
});
