import { EventEmitter } from 'node:events';
import type { DeploymentRunStatus, DeploymentStatus, RunningState, RunningStatus } from '../domain/index.js';

/** Status changes published to the API's event stream (SPEC §8, `GET /events`). */
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
    };

/** In-process publish/subscribe of SlipwayEvents. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open event stream and log follower: there is no fixed bound.
    this.emitter.setMaxListeners(0);
  }

  publish(event: SlipwayEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: SlipwayEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
