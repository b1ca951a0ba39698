import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { Cluster, ObjectRef } from './cluster.js';
import type { Workload, WorkloadKind } from './manifests.js';
import { deploymentRolloutState, statefulSetRolloutState, type RolloutState } from './rollout-status.js';

export function workloadRef(kind: WorkloadKind, namespace: string, name: string): ObjectRef {
  return { apiVersion: 'apps/v1', kind, metadata: { name, namespace } };
}

/** Done carries the workload as last seen: what its pods now run. */
export type WaitOutcome = { state: 'done'; workload: Workload } | Exclude<RolloutState, { state: 'done' }> | { state: 'aborted' } | { state: 'timeout'; message: string };

/**
 * Follows the workload until its rollout is done or failed (rollout-status.ts), the signal
 * aborts, or the deadline passes (a StatefulSet has no progress deadline of its own, and a
 * stalled controller must not hang a deployment). One read, then one watch from it, judging
 * the object each event carries (as `kubectl rollout status` does); the workload is read
 * again only when a watch ends, so nothing is missed between watches.
 */
export async function waitForRollout(
  cluster: Pick<Cluster, 'read' | 'watchUntil'>,
  kind: WorkloadKind,
  namespace: string,
  name: string,
  options: { signal?: AbortSignal; deadlineMs: number; ignoreProgressDeadline?: boolean; onProgress?: (message: string) => void },
): Promise<WaitOutcome> {
  const ref = workloadRef(kind, namespace, name);
  const path = `/apis/apps/v1/namespaces/${namespace}/${kind === 'Deployment' ? 'deployments' : 'statefulsets'}`;
  const deadline = Date.now() + options.deadlineMs;
  const judge = (object: Workload): RolloutState =>
    kind === 'Deployment' ? deploymentRolloutState(object as V1Deployment, { ignoreProgressDeadline: options.ignoreProgressDeadline }) : statefulSetRolloutState(object as V1StatefulSet);
  let lastMessage = '';
  const report = (message: string): void => {
    if (message === lastMessage) return;
    lastMessage = message;
    options.onProgress?.(message);
  };
  let object = await cluster.read<Workload>(ref);
  for (;;) {
    if (options.signal?.aborted) return { state: 'aborted' };
    if (!object) return { state: 'failed', message: `${kind} ${namespace}/${name} no longer exists` };
    const state = judge(object);
    if (state.state === 'done') return { state: 'done', workload: object };
    if (state.state !== 'progressing') return state;
    report(state.message);
    const left = deadline - Date.now();
    if (left <= 0) return { state: 'timeout', message: `not rolled out in time: ${lastMessage}` };
    const seen = await cluster.watchUntil<Workload, { object: Workload | null }>(
      path,
      { fieldSelector: `metadata.name=${name}`, resourceVersion: object.metadata?.resourceVersion },
      options.signal,
      Math.min(left, 30_000),
      (type, changed) => {
        if (type === 'DELETED') return { object: null };
        if (type !== 'ADDED' && type !== 'MODIFIED') return undefined;
        const next = judge(changed);
        if (next.state !== 'progressing') return { object: changed };
        report(next.message);
        return undefined;
      },
    );
    if (options.signal?.aborted) return { state: 'aborted' };
    object = seen ? seen.object : await cluster.read<Workload>(ref);
  }
}
