import type { V1Pod } from '@kubernetes/client-node';
import type { InstanceDetail, InstancePhase, InstanceUsage } from '../runtime.js';
import { ANNOTATION } from './names-and-labels.js';

/** What a pod is doing now, in the words the API uses for every runtime. */
function phaseOf(pod: V1Pod): InstancePhase {
  if (pod.metadata?.deletionTimestamp) return 'TERMINATING';
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.some((s) => s.state?.waiting?.reason === 'CrashLoopBackOff')) return 'RESTARTING';
  switch (pod.status?.phase) {
    case 'Pending':
      return 'STARTING';
    case 'Running':
      return statuses.every((s) => s.state?.running) ? 'RUNNING' : 'STARTING';
    case 'Succeeded':
    case 'Failed':
      return 'EXITED';
    default:
      return 'UNKNOWN';
  }
}

/** One pod as an instance: restarts summed over its containers, its last exit from the kubelet's record. */
export function instanceFromPod(pod: V1Pod): InstanceDetail {
  const statuses = pod.status?.containerStatuses ?? [];
  const terminated = statuses.map((s) => s.state?.terminated ?? s.lastState?.terminated).find((t) => t !== undefined);
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && !pod.metadata?.deletionTimestamp;
  const name = pod.metadata?.name ?? '';
  return {
    id: name,
    name,
    version: pod.metadata?.annotations?.[ANNOTATION.version] ?? null,
    ready,
    state: phaseOf(pod),
    restarts: statuses.reduce((sum, s) => sum + s.restartCount, 0),
    exitCode: terminated ? terminated.exitCode : null,
    oomKilled: terminated?.reason === 'OOMKilled',
    startedAt: pod.status?.startTime ? new Date(pod.status.startTime).toISOString() : null,
    node: pod.spec?.nodeName ?? null,
  };
}

/** A PodMetrics object of metrics.k8s.io, as far as it is read here. */
export interface PodMetrics {
  metadata?: { name?: string };
  containers?: Array<{ usage?: { cpu?: string; memory?: string } }>;
}

/** A pod's usage from metrics.k8s.io, summed over its containers; its memory limit from its spec. */
export function usageFromPodMetrics(metrics: PodMetrics, pod: V1Pod | undefined): InstanceUsage {
  let cores = 0;
  let memory = 0;
  for (const c of metrics.containers ?? []) {
    cores += parseQuantity(c.usage?.cpu ?? '0');
    memory += parseQuantity(c.usage?.memory ?? '0');
  }
  const limits = (pod?.spec?.containers ?? []).map((c) => c.resources?.limits?.memory);
  const limit = limits.length > 0 && limits.every((l) => l !== undefined) ? limits.reduce((sum, l) => sum + parseQuantity(String(l)), 0) : null;
  return { instanceId: metrics.metadata?.name ?? '', cpuPercent: Math.round(cores * 100 * 100) / 100, memoryBytes: Math.round(memory), memoryLimitBytes: limit };
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A Kubernetes quantity (`250m`, `12345n`, `64Mi`, `1.5`) as a number; 0 when unreadable. */
export function parseQuantity(text: string): number {
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(text.trim());
  if (!match) return 0;
  const factor = match[2] ? SUFFIX[match[2]] : 1;
  const value = Number(match[1]);
  return factor === undefined || Number.isNaN(value) ? 0 : value * factor;
}
