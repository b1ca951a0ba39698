import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesRuntime, type KubernetesRuntimeOptions } from './kubernetes-runtime.js';

/**
 * The kubeconfig Slipway uses: SLIPWAY_KUBECONFIG, else KUBECONFIG (its first file), else
 * ~/.kube/config when it exists. Undefined: no cluster access, kubernetes environments fail
 * their actions with "the kubernetes runtime is not configured".
 */
export function findKubeconfig(env: NodeJS.ProcessEnv, home: string = homedir()): string | undefined {
  const explicit = env.SLIPWAY_KUBECONFIG || env.KUBECONFIG?.split(':').find((p) => p !== '');
  if (explicit) return explicit;
  const fallback = join(home, '.kube', 'config');
  return existsSync(fallback) ? fallback : undefined;
}

/** A runtime on the cluster of that kubeconfig's current context. */
export function kubernetesRuntimeFromKubeconfig(path: string, options: Omit<KubernetesRuntimeOptions, 'kubeConfig'> = {}): KubernetesRuntime {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return new KubernetesRuntime({ ...options, kubeConfig });
}

/** The runtime when a kubeconfig is configured and loads; else undefined, with the reason logged. */
export function kubernetesRuntimeIfConfigured(path: string | undefined, options: Omit<KubernetesRuntimeOptions, 'kubeConfig'> = {}): KubernetesRuntime | undefined {
  if (!path) return undefined;
  try {
    return kubernetesRuntimeFromKubeconfig(path, options);
  } catch (error) {
    options.log?.(`kubeconfig ${path} cannot be loaded (${(error as Error).message}): the kubernetes runtime is off`);
    return undefined;
  }
}
