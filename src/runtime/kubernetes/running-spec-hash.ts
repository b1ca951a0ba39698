import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { WorkloadKind } from './manifests.js';
import { ANNOTATION, LABEL, workloadName } from './names-and-labels.js';
import { deploymentRolloutState, statefulSetRolloutState } from './rollout-status.js';

/**
 * The spec hash a service's workload runs: its template's hash once the rollout is done with
 * at least one replica; null while it rolls, when scaled to 0, or without a hash.
 */
export function workloadSpecHash(kind: WorkloadKind, object: V1Deployment | V1StatefulSet): string | null {
  if ((object.spec?.replicas ?? 0) === 0) return null;
  const state = kind === 'Deployment' ? deploymentRolloutState(object as V1Deployment) : statefulSetRolloutState(object as V1StatefulSet);
  if (state.state !== 'done') return null;
  return object.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash] ?? null;
}

/**
 * The spec hash of every service from one list of an environment's Deployments and one of its
 * StatefulSets, by service id (its label). As for one service, a Deployment wins over a
 * StatefulSet of the same service (a kind change under way). Only a workload named after its
 * label's service counts: anything else with Slipway's labels is not that service's workload.
 */
export function workloadSpecHashes(deployments: readonly V1Deployment[], statefulSets: readonly V1StatefulSet[]): Map<string, string | null> {
  const hashes = new Map<string, string | null>();
  const add = (kind: WorkloadKind, object: V1Deployment | V1StatefulSet): void => {
    const serviceId = object.metadata?.labels?.[LABEL.service];
    if (serviceId && object.metadata?.name === workloadName(serviceId)) hashes.set(serviceId, workloadSpecHash(kind, object));
  };
  for (const s of statefulSets) add('StatefulSet', s);
  for (const d of deployments) add('Deployment', d);
  return hashes;
}
