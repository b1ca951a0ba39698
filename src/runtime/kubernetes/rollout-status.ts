import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';

/**
 * Whether a rollout is done, as `kubectl rollout status` judges it (and Argo CD's health
 * checks): the controller has seen the latest generation, every replica runs the new
 * template and is available (ready for a StatefulSet), no old replica is left, and for a
 * Deployment, `ProgressDeadlineExceeded` on the Progressing condition is a failure.
 */
export type RolloutState = { state: 'done' } | { state: 'progressing'; message: string } | { state: 'failed'; message: string };

/**
 * ignoreProgressDeadline: while an undo rolls back, the old ProgressDeadlineExceeded condition
 * may still be on the status; only completion counts then.
 */
export function deploymentRolloutState(d: V1Deployment, options: { ignoreProgressDeadline?: boolean } = {}): RolloutState {
  const generation = d.metadata?.generation ?? 0;
  const status = d.status ?? {};
  if (generation > (status.observedGeneration ?? 0)) {
    return { state: 'progressing', message: 'waiting for the deployment spec update to be observed' };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded' && !options.ignoreProgressDeadline) {
    return { state: 'failed', message: `the rollout exceeded its progress deadline (${d.spec?.progressDeadlineSeconds ?? '?'} s)${progressing.message ? `: ${progressing.message}` : ''}` };
  }
  const wanted = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted) return { state: 'progressing', message: `${updated} of ${wanted} new replicas have been updated` };
  if (replicas > updated) return { state: 'progressing', message: `${replicas - updated} old replicas are pending termination` };
  if (available < updated) return { state: 'progressing', message: `${available} of ${updated} updated replicas are available` };
  return { state: 'done' };
}

export function statefulSetRolloutState(s: V1StatefulSet): RolloutState {
  const generation = s.metadata?.generation ?? 0;
  const status = s.status;
  if (!status || !status.observedGeneration || generation > status.observedGeneration) {
    return { state: 'progressing', message: 'waiting for the statefulset spec update to be observed' };
  }
  const wanted = s.spec?.replicas ?? 1;
  const ready = status.readyReplicas ?? 0;
  if (ready < wanted) return { state: 'progressing', message: `${ready} of ${wanted} pods are ready` };
  if (wanted > 0 && status.updateRevision !== status.currentRevision) {
    return { state: 'progressing', message: `${status.updatedReplicas ?? 0} of ${wanted} pods run revision ${status.updateRevision ?? '?'}` };
  }
  if ((status.replicas ?? 0) > wanted) return { state: 'progressing', message: `${(status.replicas ?? 0) - wanted} pods are pending termination` };
  return { state: 'done' };
}
