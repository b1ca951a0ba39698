import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
