import { KubernetesObjectApi, PatchStrategy, Watch, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { keepAliveConfig, SharedAgent } from '../../src/runtime/kubernetes/keep-alive.js';
import { deploymentRolloutState } from '../../src/runtime/kubernetes/rollout-status.js';

/**
 * The floor Slipway's Kubernetes deploy is compared with: what a short script does with the
 * same client library (@kubernetes/client-node), no Slipway in between. Per environment, its
 * workloads `maxParallel` at a time (all environments at once): server-side apply of the
 * Deployment, then a watch on it until the rollout is done as `kubectl rollout status` judges
 * it (rollout-status.ts, the same judgement Slipway uses). Nothing else: no reads before, no
 * clean-up of other kinds, no status kept anywhere.
 */
export async function directDeploy(config: KubeConfig, environments: V1Deployment[][], maxParallel: number, timeoutMs: number): Promise<void> {
  // Connections reused as Slipway's client reuses them (keep-alive.ts), so the floor does not pay a TLS handshake per apply.
  const shared = new SharedAgent();
  const objects = KubernetesObjectApi.makeApiClient(keepAliveConfig(config, shared));
  const watch = new Watch(config);
  await Promise.all(
    environments.map(async (deployments) => {
      const limit = pLimit(maxParallel);
      await Promise.all(deployments.map((d) => limit(() => applyAndWait(objects, watch, d, timeoutMs))));
    }),
  ).finally(() => shared.close());
}

type Applied = V1Deployment & { metadata: { name: string; namespace: string } };

async function applyAndWait(objects: KubernetesObjectApi, watch: Watch, manifest: V1Deployment, timeoutMs: number): Promise<void> {
  let current = (await objects.patch(manifest, undefined, undefined, 'slipway-bench-direct', true, PatchStrategy.ServerSideApply)) as Applied;
  const { name, namespace } = current.metadata;
  const deadline = Date.now() + timeoutMs;
  while (deploymentRolloutState(current).state !== 'done') {
    if (Date.now() > deadline) throw new Error(`direct script: Deployment ${namespace}/${name} not rolled out after ${Math.round(timeoutMs / 1000)} s`);
    const seen = await nextDone(watch, namespace, name, current.metadata.resourceVersion, deadline - Date.now());
    current = seen ?? ((await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace } })) as Applied);
  }
}

/** Watches the Deployment from resourceVersion: the object once its rollout is done, or null when the watch ended first. */
async function nextDone(watch: Watch, namespace: string, name: string, resourceVersion: string | undefined, maxWaitMs: number): Promise<Applied | null> {
  let settle: (value: Applied | null) => void = () => undefined;
  const result = new Promise<Applied | null>((resolve) => {
    settle = resolve;
  });
  const timer = setTimeout(() => settle(null), Math.max(0, maxWaitMs));
  const controller = await watch.watch(
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: false, timeoutSeconds: Math.max(1, Math.ceil(maxWaitMs / 1000)) },
    (_type: string, object: Applied) => {
      if (deploymentRolloutState(object).state === 'done') settle(object);
    },
    () => settle(null),
  );
  try {
    return await result;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
