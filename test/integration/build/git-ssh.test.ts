import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SlipwayApi } from '../../support/api-client.js';
import { cleanupEnvironments, endpointOf, httpGet, startSlipway, uniqueName, type Slipway } from '../e2e/helpers.js';
import { GitRepo } from './git-repo.js';
import { generateKeyPair, SshServer } from './ssh-server.js';

/**
 * An ssh git remote: a real sshd (a child process on 127.0.0.1, its own host key and
 * authorized_keys) serving a bare repository to root with a key. A Slipway given the private
 * key (SLIPWAY_GIT_SSH_KEY_FILE) deploys from `ssh://root@127.0.0.1:<port>/…/remote.git` and
 * lists its commits, accepting the never-seen host key without a prompt; a Slipway without the
 * key fails the deploy with BUILD_ERROR and a clear message; the key is in no log line, API
 * response or server output. (The scp-like `root@host:path` form cannot carry a port, so only
 * `ssh://` is tested against an sshd on a free port.)
 */

// The second half of edge-port block 17 (22700-22799) goes to the Slipway without the key.
const EDGE_PORTS_WITH_KEY = '22700-22749';
const EDGE_PORTS_WITHOUT_KEY = '22750-22799';

let keyDir = '';
let key: ReturnType<typeof generateKeyPair>;
let repo: GitRepo;
let sshd: SshServer;
let withKey: Slipway;
let withoutKey: Slipway;
const environments = new Set<string>();
let envWithKey = '';
let envWithoutKey = '';
let v1 = '';
let v2 = '';
let version2 = '';
/** Every body either Slipway answered, as text. */
const responses: string[] = [];
/** Everything either Slipway printed (stdout and stderr). */
const serverOutput: string[] = [];

function sshUrl(): string {
  return `ssh://root@127.0.0.1:${sshd.port}${repo.bare}`;
}

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

/** Records every response body of this API client (for the leak check). */
function recordResponses(api: SlipwayApi): void {
  const call = api.call.bind(api);
  api.call = (async (method: string, path: string, body?: unknown) => {
    const response = await call(method, path, body);
    responses.push(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
    return response;
  }) as SlipwayApi['call'];
}

async function start(name: string, edgePorts: string, keyFile: string): Promise<Slipway> {
  // SLIPWAY_GIT_SSH_KEY_FILE '' = unset (config reads an empty value as no key).
  const slipway = await startSlipway({ edgePorts, name, env: { SLIPWAY_REGISTRY: '', SLIPWAY_GIT_SSH_KEY_FILE: keyFile } });
  slipway.server.child.stdout!.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString('utf8')));
  slipway.server.child.stderr!.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString('utf8')));
  recordResponses(slipway.api);
  return slipway;
}

before(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'slipway-sshkey-'));
  key = generateKeyPair(keyDir, 'id_ed25519');
  repo = new GitRepo();
  repo.writeApp('', `v1-${Date.now()}`);
  v1 = repo.commit('v1 over ssh');
  version2 = `v2-${Date.now()}`;
  repo.writeApp('', version2);
  v2 = repo.commit('v2 over ssh');
  sshd = await SshServer.start([key.publicKey]);
  [withKey, withoutKey] = await Promise.all([start('git-ssh', EDGE_PORTS_WITH_KEY, key.privateKeyFile), start('git-ssh-nokey', EDGE_PORTS_WITHOUT_KEY, '')]);
  envWithKey = (await withKey.api.createEnvironment((await withKey.api.createProject(uniqueName('sshp'))).id, 'staging')).id;
  environments.add(envWithKey);
  envWithoutKey = (await withoutKey.api.createEnvironment((await withoutKey.api.createProject(uniqueName('sshn'))).id, 'staging')).id;
  environments.add(envWithoutKey);
});

after(async () => {
  // Each step on its own: one failing must not leave sshd, a server or a temp dir behind.
  const steps: Array<() => Promise<unknown> | unknown> = [
    () => withKey?.events.close(),
    () => withoutKey?.events.close(),
    () => withKey?.server.dispose(),
    () => withoutKey?.server.dispose(),
    () => sshd?.dispose(),
    () => cleanupEnvironments(environments),
    () => repo?.dispose(),
    () => keyDir && rmSync(keyDir, { recursive: true, force: true }),
  ];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      console.error('cleanup step failed:', error);
    }
  }
});

describe('an ssh git remote with a key', () => {
  let webId = '';
  const deploymentIds: string[] = [];

  it('deploys from ssh:// with the key, accepting the new host key without a prompt', async () => {
    const web = await withKey.api.createService(envWithKey, service('web', sshUrl()));
    webId = web.id;
    const accepted = await withKey.api.act(web.id, 'deploy');
    deploymentIds.push(accepted.deploymentId);
    const detail = await withKey.api.waitForDeployment(accepted.deploymentId);
    const logs = (await withKey.api.logs(accepted.deploymentId)).items;
    const logText = logs.map((l) => `[${l.step}] ${l.message}`).join('\n');
    assert.equal(detail.status, 'SUCCESS', `${JSON.stringify(detail)}\n${logText}\nsshd:\n${sshd.output.join('')}`);
    const view = await withKey.api.service(web.id);
    assert.equal(view.state, 'DEPLOYED');
    assert.equal(view.deployedVersion, v2, 'the branch head was deployed');
    assert.equal(await httpGet(await endpointOf(withKey.api, web.id)), version2);
    assert.ok(logs.some((l) => l.step === 'GIT_CLONE'), 'the clone is logged');
    // The host key was never seen (a new sshd, a new data dir): ssh runs in batch mode, so a
    // prompt would have failed the fetch; accept-new remembered it in the server's known_hosts.
    const hostKey = readFileSync(join(sshd.dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const knownHostsFile = join(withKey.server.options.dataDir, 'git-cache', 'known_hosts');
    // Host names may be hashed there (Debian's ssh_config): ssh-keygen -F finds them either way.
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', knownHostsFile], { encoding: 'utf8' });
    assert.ok(found.includes(hostKey), `the host key is remembered:\n${readFileSync(knownHostsFile, 'utf8')}`);
    // sshd saw our key log in as root (not some other identity).
    assert.match(sshd.output.join(''), /Accepted publickey for root from 127\.0\.0\.1/);
  });

  it('lists the branch commits over ssh as versions', async () => {
    const versions = await withKey.api.expect<{ items: Array<{ sha: string; message: string; author: string; date: string }> }>(200, 'GET', `/services/${webId}/versions`);
    assert.deepEqual(
      versions.items.map((v) => [v.sha, v.message]),
      [
        [v2, 'v2 over ssh'],
        [v1, 'v1 over ssh'],
      ],
    );
    assert.match(versions.items[0]!.author, /Test Author/);
  });

  it('fails with BUILD_ERROR and a clear message on a Slipway without the key', async () => {
    const anon = await withoutKey.api.createService(envWithoutKey, service('anon', sshUrl()));
    const accepted = await withoutKey.api.act(anon.id, 'deploy');
    deploymentIds.push(accepted.deploymentId);
    const detail = await withoutKey.api.waitForDeployment(accepted.deploymentId);
    assert.equal(detail.status, 'ERROR');
    const view = await withoutKey.api.service(anon.id);
    assert.equal(view.state, 'BUILD_ERROR');
    const url = sshUrl().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    assert.match(view.statusMessage ?? '', new RegExp(`${url}.*Permission denied \\(publickey\\)`), view.statusMessage ?? '(no message)');
    const versions = await withoutKey.api.call('GET', `/services/${anon.id}/versions`);
    // No commits without the key, and the answer says why.
    assert.equal(versions.status, 502, JSON.stringify(versions.body));
    const error = (versions.body as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
    assert.match(error.message, /Permission denied \(publickey\)/);
  });

  it('remembers the host key it accepted: a changed host key fails the deploy', async () => {
    // The same sshd address with a new identity (as a man in the middle would present).
    const port = sshd.port;
    await sshd.stop();
    sshd = await SshServer.start([key.publicKey], { dir: sshd.dir, port, hostKeyName: 'host_ed25519_other' });
    // A new commit, so that the deploy must fetch (a commit already built is not fetched again).
    repo.writeApp('', `v3-${Date.now()}`);
    const v3 = repo.commit('v3 over ssh');
    const accepted = await withKey.api.act(webId, 'deploy', { version: v3 });
    deploymentIds.push(accepted.deploymentId);
    const detail = await withKey.api.waitForDeployment(accepted.deploymentId);
    assert.equal(detail.status, 'ERROR', JSON.stringify(detail));
    const view = await withKey.api.service(webId);
    assert.equal(view.state, 'BUILD_ERROR');
    assert.match(view.statusMessage ?? '', /Host key verification failed/, view.statusMessage ?? '(no message)');
    assert.doesNotMatch(sshd.output.join(''), /Accepted publickey/, 'the client never authenticated to the changed host');
  });

  it('keeps the private key out of every log line, API response and server output', async () => {
    // The deployments above: with the key, without it, and refused by the changed host key.
    assert.equal(deploymentIds.length, 3);
    for (const [i, id] of deploymentIds.entries()) {
      const api = i === 1 ? withoutKey.api : withKey.api;
      await api.logs(id);
      await api.deployment(id);
    }
    await withKey.api.service(webId);
    // The whole key and each line of its body (any one of them is a leak).
    const needles = [
      key.privateKey.trim(),
      ...key.privateKey
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('-----')),
    ];
    assert.ok(needles.length >= 2, 'the key has a body');
    const texts = [...responses, ...serverOutput];
    assert.ok(responses.length > 10 && serverOutput.length > 0, 'responses and output were recorded');
    for (const text of texts) {
      for (const needle of needles) {
        const at = text.indexOf(needle);
        assert.ok(at === -1, `the private key leaked: ${text.slice(Math.max(0, at - 200), at + 20)}`);
      }
    }
  });
});
