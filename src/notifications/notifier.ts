import type { Logger } from 'pino';
import { crashedInstances, deploymentEvent, errorMessage, type NotificationEvent, type RunningState } from '../domain/index.js';
import type { EventBus, SlipwayEvent } from '../engine/events.js';
import type { Store } from '../store/store.js';
import { crashPayload, deploymentPayload, formatBody, type Payload } from './payloads.js';

type Reads = Pick<Store, 'getProject' | 'getEnvironment' | 'getService' | 'getDeploymentDetail' | 'getRunning' | 'listNotifications' | 'enqueueDelivery'>;

/**
 * Turns the engine's events into deliveries in the outbox (docs/notifications.md#events): a
 * deployment's end, and an instance that exited or restarted while no deployment runs on its
 * environment. Each event has a key (the deployment and its status; the instance and its crash
 * number): every process sharing the database sees the event, and the outbox keeps it once.
 */
export class Notifier {
  /** The running state last seen of each service, to compare the next one with. */
  private readonly lastSeen = new Map<string, RunningState>();
  private unsubscribe: (() => void) | undefined;
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly store: Reads,
    private readonly events: EventBus,
    private readonly consoleUrl: string,
    private readonly logger: Logger,
    /** Called once something was queued: the outbox sends it now rather than at its next look. */
    private readonly queued: () => void,
  ) {}

  start(): void {
    this.unsubscribe = this.events.subscribe((event) => {
      const work = this.handle(event).catch((err: unknown) =>
        this.logger.warn({ err: errorMessage(err), event: event.type }, 'could not queue a notification'),
      );
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    });
  }

  /** Stops listening; waits for the events being queued. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.pending]);
  }

  private async handle(event: SlipwayEvent): Promise<void> {
    if (event.type === 'deployment.status') await this.deploymentEnded(event.projectId, event.deploymentId, event.status);
    else if (event.type === 'service.running') await this.runningChanged(event.projectId, event.environmentId, event.serviceId, event.runningState);
  }

  private async deploymentEnded(projectId: string, deploymentId: string, status: Extract<SlipwayEvent, { type: 'deployment.status' }>['status']): Promise<void> {
    const kind = deploymentEvent(status);
    if (!kind) return;
    const notifications = await this.subscribed(projectId, kind);
    if (notifications.length === 0) return;
    const detail = await this.store.getDeploymentDetail(deploymentId);
    const environment = detail && (await this.store.getEnvironment(detail.environmentId));
    const project = await this.store.getProject(projectId);
    if (!detail || !project) return;
    const payload = deploymentPayload(kind, project, environment ?? { id: detail.environmentId, name: '(deleted)' }, detail, this.consoleUrl);
    await this.enqueue(notifications, payload, `deployment:${deploymentId}:${detail.status}`);
  }

  private async runningChanged(projectId: string, environmentId: string, serviceId: string, state: RunningState): Promise<void> {
    const before = this.lastSeen.get(serviceId);
    this.lastSeen.set(serviceId, state);
    if (!before) return;
    const crashes = crashedInstances(before, state);
    if (crashes.length === 0) return;
    // A deployment replaces and judges instances itself: what it does is not a crash.
    if (await this.store.getRunning(environmentId)) return;
    const notifications = await this.subscribed(projectId, 'service.crashed');
    if (notifications.length === 0) return;
    const [project, environment, service] = await Promise.all([this.store.getProject(projectId), this.store.getEnvironment(environmentId), this.store.getService(serviceId)]);
    if (!project || !environment || !service) return;
    const now = new Date().toISOString();
    for (const crash of crashes) {
      const payload = crashPayload(project, environment, service, crash, now, this.consoleUrl);
      await this.enqueue(notifications, payload, `crash:${serviceId}:${crash.instance.id}:${crash.crashNumber}`);
    }
  }

  private async subscribed(projectId: string, event: NotificationEvent) {
    return (await this.store.listNotifications(projectId)).filter((n) => n.events.includes(event));
  }

  private async enqueue(notifications: Awaited<ReturnType<Notifier['subscribed']>>, payload: Payload, eventKey: string): Promise<void> {
    let any = false;
    for (const notification of notifications) {
      const added = await this.store.enqueueDelivery({ notificationId: notification.id, event: payload.event, eventKey, payload: formatBody(payload, notification.format) });
      any ||= added;
    }
    if (any) this.queued();
  }
}
