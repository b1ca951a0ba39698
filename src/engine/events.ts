import { EventEmitter } from 'node:events';
import type { DeploymentRunStatus, DeploymentStatus, RunningState, RunningStatus } from '../domain/index.js';

/** Status changes published to the API's event stream (docs/api.md#events, `GET /events`). */
export type SlipwayEvent =
  | {
      type: 'service.status';
      projectId: string;
      environmentId: string;
      serviceId: string;
      status: DeploymentStatus;
      message: string | null;
    }
  | {
      type: 'service.running';
      projectId: string;
      environmentId: string;
      serviceId: string;
      runningState: RunningState;
    }
  | {
      type: 'environment.status';
      projectId: string;
      environmentId: string;
      status: DeploymentStatus;
      runningStatus: RunningStatus;
    }
  | {
      type: 'deployment.status';
      projectId: string;
      environmentId: string;
      deploymentId: string;
      status: DeploymentRunStatus;
      message: string | null;
    }
  | {
      type: 'deployment.log';
      projectId: string;
      environmentId: string;
      deploymentId: string;
    }
  | {
      /** The waiting requests changed: one was queued, merged into a waiting one, or removed. */
      type: 'queue.changed';
      projectId: string;
      environmentId: string;
      deploymentId: string;
      change: QueueChange;
    }
  | {
      /** A run of a cron job that Slipway schedules started or ended. */
      type: 'job.run';
      projectId: string;
      environmentId: string;
      serviceId: string;
      runId: string;
      status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
    };

/** How a `queue.changed` event changed the waiting requests (a request that starts sends `deployment.status` RUNNING instead). */
export type QueueChange = 'queued' | 'merged' | 'removed';

/**
 * Carries events between Slipway processes that share a database, so that an event stream
 * served by one process shows what another one does.
 */
export interface EventRelay {
  /** Sends an event published in this process to the others. */
  send(event: SlipwayEvent): void;
  /** Starts receiving the events the other processes send. */
  start(receive: (event: SlipwayEvent) => void): Promise<void>;
  close(): Promise<void>;
}

/** Publish/subscribe of SlipwayEvents in this process, and through a relay across processes. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private relay: EventRelay | undefined;

  constructor() {
    // One listener per open event stream and log follower: there is no fixed bound.
    this.emitter.setMaxListeners(0);
  }

  publish(event: SlipwayEvent): void {
    this.emitter.emit('event', event);
    this.relay?.send(event);
  }

  /** Relays this process's events to the others and theirs to this one's subscribers. */
  async relayThrough(relay: EventRelay): Promise<void> {
    this.relay = relay;
    await relay.start((event) => this.emitter.emit('event', event));
  }

  subscribe(listener: (event: SlipwayEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
