import type { DeploymentRunStatus } from './requests.js';
import type { InstanceState, RunningState } from './statuses.js';

/** Notifications of a project (docs/notifications.md): what they are sent for, and when they are tried again. */

export const NOTIFICATION_EVENTS = ['deployment.succeeded', 'deployment.failed', 'deployment.canceled', 'service.crashed'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_FORMATS = ['json', 'slack'] as const;
export type NotificationFormat = (typeof NOTIFICATION_FORMATS)[number];

/** A webhook a project sends its events to. The secret never leaves the store but to sign. */
export interface Notification {
  id: string;
  projectId: string;
  name: string;
  url: string;
  events: NotificationEvent[];
  format: NotificationFormat;
  /** Whether deliveries are signed (X-Slipway-Signature-256). */
  signed: boolean;
  createdAt: string;
}

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Every delivery is tried at most this many times. */
export const MAX_DELIVERY_TRIES = 5;

/** The wait before the first retry; each later one waits twice the one before (40 s … 320 s: 10 minutes in all). */
export const DEFAULT_FIRST_RETRY_MS = 40_000;

/**
 * When a delivery that failed its `tries`-th try is tried again, or null when it has had all
 * its tries: exponential backoff from `firstRetryMs`.
 */
export function nextTryDelayMs(tries: number, firstRetryMs: number): number | null {
  if (tries >= MAX_DELIVERY_TRIES) return null;
  return firstRetryMs * 2 ** (tries - 1);
}

/** A try succeeded when the receiver answered 2xx; redirects are not followed, so 3xx fails. */
export function isDelivered(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

/** The notification event a deployment's end is, if any (a skipped request is no event). */
export function deploymentEvent(status: DeploymentRunStatus): Exclude<NotificationEvent, 'service.crashed'> | null {
  switch (status) {
    case 'SUCCESS':
      return 'deployment.succeeded';
    case 'ERROR':
      return 'deployment.failed';
    case 'CANCELED':
      return 'deployment.canceled';
    default:
      return null;
  }
}

/** An instance that exited or restarted, as seen between two observations of its service. */
export interface InstanceCrash {
  instance: InstanceState;
  /**
   * The crash's number for this instance: the restart count once the runtime has restarted it.
   * An exit seen before the restart and the restart seen after carry the same number, so one
   * crash makes one notification.
   */
  crashNumber: number;
}

/**
 * What a service's running state was when watching began, as far as a later state tells, for
 * a service not seen since then: an instance whose current run started after `since` and that
 * has restarted had one restart fewer. Compared with `state` (crashedInstances), that restart
 * is a crash, not a first sight; instances started before `since` compare equal. Null when the
 * state cannot tell: the runtime did not answer (UNKNOWN), or an instance is not running now
 * (exited, or being restarted), so when it last started says nothing; a later state will.
 */
export function baselineSince(state: RunningState, since: string): RunningState | null {
  if (state.status === 'UNKNOWN' || state.instances.some((i) => i.startedAt === null)) return null;
  return {
    ...state,
    instances: state.instances.map((i) => (i.restarts > 0 && i.startedAt !== null && Date.parse(i.startedAt) > Date.parse(since) ? { ...i, restarts: i.restarts - 1 } : i)),
  };
}

/**
 * The instances of `after` that crashed since `before`: the same instance (same id) with more
 * restarts, or one that was running and has now exited. Instances that came or went are a
 * rollout's or a stop's doing, not a crash.
 */
export function crashedInstances(before: RunningState, after: RunningState): InstanceCrash[] {
  const previous = new Map(before.instances.map((i) => [i.id, i]));
  const crashes: InstanceCrash[] = [];
  for (const instance of after.instances) {
    const was = previous.get(instance.id);
    if (!was) continue;
    if (instance.restarts > was.restarts) {
      crashes.push({ instance, crashNumber: instance.restarts });
    } else if (was.startedAt !== null && instance.startedAt === null && instance.lastExitCode !== null) {
      crashes.push({ instance, crashNumber: instance.restarts + 1 });
    }
  }
  return crashes;
}
