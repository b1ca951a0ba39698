import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { Cluster, ObjectRef } from './cluster.js';
import type { WorkloadKind } from './manifests.js';
import { deploymentRolloutState, statefulSetRolloutState, type RolloutState } from './rollout-status.js';

export function workloadRef(kind: WorkloadKind, namespace: string, name: string): ObjectRef {
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace } };
}

export type WaitOutcome = RolloutState | { state: 'aborted' } | { state: 'timeout'; message: string };

/**
 * Follows the workload with a watch until its rollout is done or failed (rollout-status.ts),
 * the signal aborts, or the deadline passes (a StatefulSet has no progress deadline of its
 * own, and a stalled controller must not hang a deployment). Re-reads after each change, so
 * nothing is missed between reads.
 */
export async function waitForRollout(
  cluster: Cluster,
  kind: WorkloadKind,
  namespace: string,
  name: string,
  options: { signal?: AbortSignal; deadlineMs: number; ignoreProgressDeadline?: boolean; onProgress?: (message: string) => void },
): Promise<WaitOutcome> {
  const ref = workloadRef(kind, namespace, name);
  const path = `/apis/apps/v1/namespaces/${namespace}/${kind === 'Deployment' ? 'deployments' : 'statefulsets'}`;
  const deadline = Date.now() + options.deadlineMs;
  let lastMessage = '';
  for (;;) {
    if (options.signal?.aborted) return { state: 'aborted' };
    const object = await cluster.read<V1Deployment | V1StatefulSet>(ref);
    if (!object) return { state: 'failed', message: `${kind} ${namespace}/${name} no longer exists` };
    const state = kind === 'Deployment' ? deploymentRolloutState(object as V1Deployment, { ignoreProgressDeadline: options.ignoreProgressDeadline }) : statefulSetRolloutState(object as V1StatefulSet);
    if (state.state !== 'progressing') return state;
    if (state.message !== lastMessage) {
      lastMessage = state.message;
      options.onProgress?.(state.message);
    }
    const left = deadline - Date.now();
    if (left <= 0) return { state: 'timeout', message: `not rolled out in time: ${state.message}` };
    await cluster.nextChange(
      path,
      { fieldSelector: `metadata.name=${name}`, resourceVersion: object.metadata?.resourceVersion },
      options.signal,
      Math.min(left, 30_000),
    );
  }
}
