import type { KubernetesObject, V1ControllerRevision, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';
import type { WorkloadKind } from './manifests.js';
import { ANNOTATION, labelSelector, selectorLabels } from './names-and-labels.js';

/** What a workload ran at an earlier revision: its pod template and replica count. */
export interface Revision {
  template: V1PodTemplateSpec;
  replicas: number | undefined;
}

/**
 * The revision of a workload whose pod template carries `specHash`, as `kubectl rollout undo
 * --to-revision` finds it: a Deployment's ReplicaSets, a StatefulSet's ControllerRevisions
 * (owned by the workload `ownerUid`). The newest one when several match; null when none does.
 */
export async function findRevision(
  cluster: Cluster,
  kind: WorkloadKind,
  namespace: string,
  owner: { serviceId: string; uid: string | undefined },
  specHash: string,
): Promise<Revision | null> {
  const selector = labelSelector(selectorLabels(owner.serviceId));
  const owned = (o: KubernetesObject): boolean => owner.uid !== undefined && (o.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.uid);
  if (kind === 'Deployment') {
    const { items } = await cluster.list<V1ReplicaSet>('apps/v1', 'ReplicaSet', namespace, selector);
    const found = newest(items.filter((rs) => owned(rs) && rs.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash] === specHash), revisionOfReplicaSet);
    return found?.spec?.template ? { template: replicaSetTemplate(found.spec.template), replicas: desiredReplicas(found) } : null;
  }
  const { items } = await cluster.list<V1ControllerRevision>('apps/v1', 'ControllerRevision', namespace, selector);
  const matching = items.filter(owned).flatMap((cr) => {
    const template = controllerRevisionTemplate(cr);
    return template?.metadata?.annotations?.[ANNOTATION.specHash] === specHash ? [{ cr, template }] : [];
  });
  const found = newest(matching, (m) => m.cr.revision);
  return found ? { template: found.template, replicas: undefined } : null;
}

/** A ReplicaSet's template as its Deployment had it: without the controller's pod-template-hash label. */
export function replicaSetTemplate(template: V1PodTemplateSpec): V1PodTemplateSpec {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels['pod-template-hash'];
  return { ...template, metadata: { ...template.metadata, labels } };
}

/** A StatefulSet ControllerRevision holds `{spec: {template: {…, $patch: replace}}}`. */
export function controllerRevisionTemplate(revision: Pick<V1ControllerRevision, 'data'>): V1PodTemplateSpec | null {
  const data = revision.data as { spec?: { template?: V1PodTemplateSpec & { $patch?: string } } } | undefined;
  const template = data?.spec?.template;
  if (!template) return null;
  const copy: V1PodTemplateSpec & { $patch?: string } = { ...template };
  delete copy.$patch;
  return copy;
}

function revisionOfReplicaSet(rs: V1ReplicaSet): number {
  return Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

function desiredReplicas(rs: V1ReplicaSet): number | undefined {
  const text = rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function newest<T>(items: T[], revision: (item: T) => number): T | undefined {
  return [...items].sort((a, b) => revision(b) - revision(a))[0];
}
