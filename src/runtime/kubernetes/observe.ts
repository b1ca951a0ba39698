import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { InstanceState, RunningState, RunningStatus } from '../../domain/statuses.js';
import { ANNOTATION } from './names-and-labels.js';

/** Waiting reasons that mean the instance is failing, not merely starting. */
const FAILING_WAITING = new Set(['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function lastExit(statuses: V1ContainerStatus[]): { code: number; reason: string | undefined } | null {
  for (const s of statuses) {
    const terminated = s.state?.terminated ?? s.lastState?.terminated;
    if (terminated) return { code: terminated.exitCode, reason: terminated.reason };
  }
  return null;
}

/**
 * Why the instance last exited (the terminated reason: "OOMKilled", "Error", "Completed"), else
 * why it cannot run (a failing waiting reason: "CrashLoopBackOff", "ErrImagePull"…); else null.
 */
export function lastExitReason(statuses: V1ContainerStatus[]): string | null {
  for (const s of statuses) {
    const reason = (s.state?.terminated ?? s.lastState?.terminated)?.reason;
    if (reason) return reason;
  }
  for (const s of statuses) {
    const reason = s.state?.waiting?.reason;
    if (reason !== undefined && FAILING_WAITING.has(reason)) return reason;
  }
  return null;
}

function isFailing(pod: V1Pod, statuses: V1ContainerStatus[]): boolean {
  if (pod.status?.phase === 'Failed') return true;
  return statuses.some(
    (s) =>
      (s.state?.waiting?.reason !== undefined && FAILING_WAITING.has(s.state.waiting.reason)) ||
      s.state?.terminated !== undefined ||
      (s.restartCount > 0 && !s.ready),
  );
}

/**
 * The running state of a service from its pods: RUNNING (all ready), WARNING (some ready),
 * ERROR (none ready, some failing: crash loop, image pull error, exited, failed), STOPPING
 * (all terminating), STARTING (none ready yet, none failing), STOPPED (no pod).
 */
export function runningStateFromPods(pods: V1Pod[]): RunningState {
  const live = pods.filter((p) => p.status?.phase !== 'Succeeded');
  if (live.length === 0) return { status: 'STOPPED', instances: [] };
  let failing = 0;
  const instances: InstanceState[] = live
    .slice()
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .map((pod) => {
      const statuses = pod.status?.containerStatuses ?? [];
      if (isFailing(pod, statuses)) failing++;
      const exit = lastExit(statuses);
      const ready = isReady(pod) && !pod.metadata?.deletionTimestamp;
      return {
        id: pod.metadata?.name ?? '',
        version: pod.metadata?.annotations?.[ANNOTATION.version] ?? null,
        ready,
        restarts: statuses.reduce((sum, s) => sum + s.restartCount, 0),
        lastExitCode: exit ? exit.code : null,
        lastExitReason: lastExitReason(statuses),
        startedAt: pod.status?.startTime ? new Date(pod.status.startTime).toISOString() : null,
      };
    });
  const ready = instances.filter((i) => i.ready).length;
  let status: RunningStatus;
  if (live.every((p) => p.metadata?.deletionTimestamp)) status = 'STOPPING';
  else if (ready === instances.length) status = 'RUNNING';
  else if (ready > 0) status = 'WARNING';
  else if (failing > 0) status = 'ERROR';
  else status = 'STARTING';
  return { status, instances };
}

/** Why the last container exit happened ("Error", "OOMKilled", …), for deployment logs. */
export function lastExitReasons(pods: V1Pod[]): string[] {
  return pods.flatMap((pod) => {
    const exit = lastExit(pod.status?.containerStatuses ?? []);
    return exit ? [`${pod.metadata?.name ?? '?'}: exit ${exit.code}${exit.reason ? ` (${exit.reason})` : ''}`] : [];
  });
}
