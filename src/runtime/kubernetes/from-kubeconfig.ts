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
    // A YAML error quotes the offending line, which may hold a token: only its position is logged.
    const line = (error as { mark?: { line?: number } }).mark?.line;
    const why = line !== undefined ? `YAML error at line ${line + 1}` : (error as Error).message;
    options.log?.(`kubeconfig ${path} cannot be loaded (${why}): the kubernetes runtime is off`);
    return undefined;
  }
}
