import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { GitClient } from '../../../src/build/git-client.js';
import { ImageBuilder } from '../../../src/build/image-builder.js';
import { BuildPipeline, workspacesDir } from '../../../src/build/pipeline.js';
import { RegistryClient } from '../../../src/build/registry-client.js';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../../src/domain/index.js';
import { Engine } from '../../../src/engine/engine.js';
import { KubernetesRuntime } from '../../../src/runtime/kubernetes/kubernetes-runtime.js';
import { namespaceName, workloadName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import type { V1Deployment } from '@kubernetes/client-node';
import { GitRepo } from '../build/git-repo.js';
import { action, testKubeconfig } from './fixture.js';

const REGISTRY = process.env.SLIPWAY_TEST_REGISTRY ?? '127.0.0.1:5000';

/** An engine with the real build pipeline (with or without a registry) and the kubernetes runtime. */
async function engineWith(dir: string, registry: string | undefined, runtime: KubernetesRuntime): Promise<{ store: Store; engine: Engine }> {
  const store = await createStore({ dataDir: dir, secretKey: 'test-key' });
  const registryClient = new RegistryClient({ timeoutMs: 5000 });
  const builder = new BuildPipeline({
    git: new GitClient({ cacheDir: join(dir, 'git-cache'), allowFileUrls: true }),
    images: new ImageBuilder(new Docker(), registry, registryClient),
    ...(registry ? { registry } : {}),
    workspacesDir: workspacesDir(dir),
  });
  const engine = new Engine(store, { kubernetes: runtime }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 }, builder);
  await engine.start();
  return { store, engine };
}

async function finished(store: Store, deploymentId: string): Promise<string> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const d = await store.getDeployment(deploymentId);
    if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') return d.status;
    if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} still ${d?.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('git services on kubernetes: built images go through a registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-k8s-build-'));
  const repo = new GitRepo();
  let runtime: KubernetesRuntime;
  const namespaces: string[] = [];

  before(() => {
    repo.writeApp('', 'v1');
    repo.commit('v1');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(testKubeconfig());
    runtime = new KubernetesRuntime({ kubeConfig, registry: new RegistryClient({ timeoutMs: 5000 }) });
  });
  after(async () => {
    const noSignal = { signal: new AbortController().signal, log: () => undefined };
    for (const environmentId of namespaces) {
      await runtime.deleteEnvironment({ projectId: '', projectName: '', environmentId, environmentName: '' }, noSignal).catch(() => undefined);
    }
    await runtime.close();
    repo.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function gitService(store: Store, projectName: string) {
    const project = await store.createProject({ name: projectName });
    const env = await store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'kubernetes', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    namespaces.push(env.id);
    const web = await store.createService({
      environmentId: env.id,
      name: 'web',
      type: 'application',
      source: { git: { url: repo.fileUrl, branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } },
      settings: { ...DEFAULT_SERVICE_SETTINGS, cpu: 100, memoryMb: 32, startTimeoutSeconds: 60, ports: [{ containerPort: 8080, public: false, protocol: 'http' }] },
    });
    return { env: env.id, web: web.id };
  }

  test('without SLIPWAY_REGISTRY the build fails BUILD_ERROR saying so, and nothing reaches the cluster', async () => {
    const { store, engine } = await engineWith(join(dir, 'no-registry'), undefined, runtime);
    try {
      const { env, web } = await gitService(store, `kb-${Date.now().toString(36)}`);
      const { deploymentId } = await engine.submit(action(env, 'DEPLOY', { serviceId: web }));
      assert.equal(await finished(store, deploymentId), 'ERROR');
      const service = (await store.getService(web))!;
      assert.equal(service.status, 'BUILD_ERROR');
      assert.match(service.statusMessage ?? '', /needs a registry.*SLIPWAY_REGISTRY/);
      assert.equal(await runtime.cluster.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: workloadName(web), namespace: namespaceName(env) } }), null);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  test('with a registry the image is built, pushed, and the Deployment refers to it by digest', async () => {
    const { store, engine } = await engineWith(join(dir, 'registry'), REGISTRY, runtime);
    try {
      const projectName = `kb-${Date.now().toString(36)}`;
      const { env, web } = await gitService(store, projectName);
      const { deploymentId } = await engine.submit(action(env, 'DEPLOY', { serviceId: web }));
      assert.equal(await finished(store, deploymentId), 'SUCCESS', JSON.stringify((await store.getService(web))?.statusMessage));
      const deployment = (await runtime.cluster.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: workloadName(web), namespace: namespaceName(env) } }))!;
      const image = deployment.spec!.template.spec!.containers[0]!.image!;
      assert.match(image, new RegExp(`^${REGISTRY.replace(/\./g, '\\.')}/${projectName}-web@sha256:[0-9a-f]{64}$`));
      // The digest is the one the registry holds for the commit's tag.
      const commit = (await store.getService(web))!.deployedVersion!;
      const digest = await new RegistryClient({ timeoutMs: 5000 }).manifestDigest(`${REGISTRY}/${projectName}-web`, commit);
      assert.equal(image.split('@')[1], digest);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
