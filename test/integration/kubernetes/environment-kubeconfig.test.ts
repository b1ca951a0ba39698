import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { Cluster } from '../../../src/runtime/kubernetes/cluster.js';
import { namespaceName, workloadName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { SlipwayApi, type ApiResponse } from '../../support/api-client.js';
import { SlipwayProcess } from '../../support/slipway-process.js';
import { APP_IMAGE, testKubeconfig } from './fixture.js';

/** The test cluster's kubeconfig with its credentials inline, as an environment carries it (JSON is YAML). */
function inlineKubeconfig(): { text: string; secrets: string[] } {
  const kc = new KubeConfig();
  kc.loadFromFile(testKubeconfig());
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const b64 = (path: string | undefined, data: string | undefined) => data ?? Buffer.from(readFileSync(path!)).toString('base64');
  const key = b64(user.keyFile, user.keyData);
  const cert = b64(user.certFile, user.certData);
  const text = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': b64(cluster.caFile, cluster.caData) } }],
    users: [{ name: 'u', user: { 'client-certificate-data': cert, 'client-key-data': key } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
  // What must never show: the private key (base64, and a line of its PEM), the whole text.
  const pemLine = Buffer.from(key, 'base64').toString('utf8').split('\n')[1]!;
  return { text, secrets: [key, key.slice(0, 40), pemLine, text.slice(0, 60)] };
}

/** Every answer the server gave, to search for the kubeconfig afterwards. */
class RecordingApi extends SlipwayApi {
  readonly bodies: string[] = [];
  override async call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const response = await super.call<T>(method, path, body);
    this.bodies.push(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
    return response;
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path);
    // Regular files only: the edge's admin socket lives in the data dir too.
    return stat.isDirectory() ? filesUnder(path) : stat.isFile() ? [path] : [];
  });
}

describe('an environment with its own kubeconfig, on a server without one', () => {
  const { text, secrets } = inlineKubeconfig();
  let server: SlipwayProcess;
  let api: RecordingApi;
  const home = mkdtempSync(join(tmpdir(), 'slipway-home-'));
  const namespaces: string[] = [];
  const admin = new KubeConfig();
  admin.loadFromFile(testKubeconfig());
  const cluster = new Cluster(admin);

  before(async () => {
    // No server-wide kubeconfig: not SLIPWAY_KUBECONFIG, not KUBECONFIG, no ~/.kube/config.
    server = await SlipwayProcess.start({ edgePorts: '24000-24099', name: 'k8s-env-kubeconfig', env: { SLIPWAY_KUBECONFIG: '', KUBECONFIG: '', HOME: home } });
    api = new RecordingApi(server.url, server.token);
  });
  after(async () => {
    for (const name of namespaces) await cluster.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(() => undefined);
    await server?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  test('deploys on its cluster; the kubeconfig is refused when unusable, encrypted at rest, masked in answers, absent from logs', async () => {
    const project = await api.expect<{ id: string }>(201, 'POST', '/projects', { name: `kc-${Date.now().toString(36)}` });

    // Refused: on a docker environment, not a kubeconfig, credentials in files.
    const onDocker = await api.call<{ error: { code: string } }>('POST', `/projects/${project.id}/environments`, { name: 'd', settings: { kubeconfig: text } });
    assert.equal(onDocker.status, 400);
    const garbage = await api.call<{ error: { details: Array<{ message: string }> } }>('POST', `/projects/${project.id}/environments`, {
      name: 'g',
      runtime: 'kubernetes',
      settings: { kubeconfig: 'clusters: [\n  secret-looking-text: {' },
    });
    assert.equal(garbage.status, 400);
    assert.ok(!JSON.stringify(garbage.body).includes('secret-looking-text'), 'the error does not quote the text');
    const files = await api.call('POST', `/projects/${project.id}/environments`, { name: 'f', runtime: 'kubernetes', settings: { kubeconfig: readFileSync(testKubeconfig(), 'utf8') } });
    assert.equal(files.status, 400);
    assert.match(JSON.stringify(files.body), /refers to a file/);

    const env = await api.expect<{ id: string; settings: { kubeconfig?: string } }>(201, 'POST', `/projects/${project.id}/environments`, {
      name: 'own-cluster',
      runtime: 'kubernetes',
      settings: { kubeconfig: text },
    });
    namespaces.push(namespaceName(env.id));
    assert.equal(env.settings.kubeconfig, '********');
    assert.equal((await api.expect<{ settings: { kubeconfig?: string } }>(200, 'GET', `/environments/${env.id}`)).settings.kubeconfig, '********');

    const web = await api.expect<{ id: string }>(201, 'POST', `/environments/${env.id}/services`, {
      name: 'web',
      type: 'container',
      source: { image: { name: APP_IMAGE, tag: 'v1' } },
      settings: { instances: 1, cpu: 100, memoryMb: 32, startTimeoutSeconds: 60 },
    });
    const accepted = await api.act(web.id, 'deploy');
    const done = await api.waitForDeployment(accepted.deploymentId);
    assert.equal(done.status, 'SUCCESS', JSON.stringify(done));
    const deployment = await cluster.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: workloadName(web.id), namespace: namespaceName(env.id) } });
    assert.equal(deployment?.status?.availableReplicas, 1, 'running on the environment\'s cluster');
    assert.equal((await api.expect<{ state: string }>(200, 'GET', `/services/${web.id}`)).state, 'DEPLOYED');

    // A kubernetes environment without a kubeconfig, on this server: refused, saying why (server log).
    const bare = await api.expect<{ id: string }>(201, 'POST', `/projects/${project.id}/environments`, { name: 'bare', runtime: 'kubernetes' });
    const other = await api.expect<{ id: string }>(201, 'POST', `/environments/${bare.id}/services`, { name: 'web', type: 'container', source: { image: { name: APP_IMAGE, tag: 'v1' } } });
    assert.equal((await api.waitForDeployment((await api.act(other.id, 'deploy')).deploymentId)).status, 'ERROR');

    await api.expect(200, 'GET', `/projects/${project.id}/environments`);
    await api.expect(200, 'GET', `/deployments/${accepted.deploymentId}/logs`);

    // Never shown: no answer, no log line holds any part of it; the database holds it encrypted.
    const logs = server.tail(10_000);
    for (const secret of secrets) {
      assert.ok(!api.bodies.some((b) => b.includes(secret)), 'an API answer shows the kubeconfig');
      assert.ok(!logs.includes(secret), 'the server log shows the kubeconfig');
    }
    for (const file of filesUnder(server.options.dataDir)) {
      const content = readFileSync(file).toString('latin1');
      assert.ok(!content.includes(secrets[1]!), `${file} holds the kubeconfig in clear`);
    }
  });
});
