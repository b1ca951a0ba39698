import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesRuntime, type KubernetesRuntimeOptions } from './kubernetes-runtime.js';

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
