import type { Logger } from 'pino';
import { baselineSince, crashedInstances, deploymentEvent, errorMessage, type NotificationEvent, type RunningState } from '../domain/index.js';
import type { EventBus, SlipwayEvent } from '../engine/events.js';
import type { Store } from '../store/store.js';
import { crashPayload, deploymentPayload, formatBody, type Payload } from './payloads.js';

type Reads = Pick<Store, 'getProject' | 'getEnvironment' | 'getService' | 'getDeploymentDetail' | 'getRunning' | 'listNotifications' | 'enqueueDelivery' | 'endedDeploymentsToNotify'>;

/** How far back a starting process looks for deployment ends that no process queued. */
export const CATCH_UP_WINDOW_MS = 60 * 60 * 1000;

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
  /** When this process began watching: a service first seen later may have crashed in between. */
  private watchingSince = new Date().toISOString();
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly store: Reads,
    private readonly events: EventBus,
    /** Where links point; read when an event is queued (the API's address is known once it listens). */
    private readonly consoleUrl: () => string,
    private readonly logger: Logger,
    /** Called once something was queued: the outbox sends it now rather than at its next look. */
    private readonly queued: () => void,
  ) {}

  start(): void {
    this.watchingSince = new Date().toISOString();
    this.unsubscribe = this.events.subscribe((event) => this.track(this.handle(event), event.type));
  }

  /** Queues, in the background, the ends of the past CATCH_UP_WINDOW_MS that no process queued. */
  catchUpRecent(): void {
    this.track(this.catchUp(new Date(Date.now() - CATCH_UP_WINDOW_MS).toISOString()), 'catch-up');
  }

  /**
   * Queues the ends of deployments since `since` that were not queued: a process that died
   * between a deployment's end and its outbox row left one (the outbox keeps each event once,
   * so those already queued are not queued again).
   */
  async catchUp(since: string): Promise<void> {
    for (const ended of await this.store.endedDeploymentsToNotify(since)) await this.deploymentEnded(ended.projectId, ended.deploymentId, ended.status);
  }

  private track(work: Promise<void>, what: string): void {
    const logged = work.catch((err: unknown) => this.logger.warn({ err: errorMessage(err), event: what }, 'could not queue a notification'));
    this.pending.add(logged);
    void logged.finally(() => this.pending.delete(logged));
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
    // A notification added after the deployment ended is not told of it.
    const endedAt = detail.endedAt ?? new Date().toISOString();
    const told = notifications.filter((n) => n.createdAt <= endedAt);
    const payload = deploymentPayload(kind, project, environment ?? { id: detail.environmentId, name: '(deleted)' }, detail, this.consoleUrl());
    await this.enqueue(told, payload, `deployment:${deploymentId}:${detail.status}`);
  }

  private async runningChanged(projectId: string, environmentId: string, serviceId: string, state: RunningState): Promise<void> {
    // The runtime did not answer: nothing learnt; the last state seen stays the one compared with.
    if (state.status === 'UNKNOWN') return;
    // First seen since start: its first observation may come after a crash (a restarted
    // process observes each service once, and an instance can die before that). A first state
    // that cannot tell (an instance being restarted) is not kept: the next one is compared.
    const before = this.lastSeen.get(serviceId) ?? baselineSince(state, this.watchingSince);
    if (!before) return;
    this.lastSeen.set(serviceId, state);
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
      const payload = crashPayload(project, environment, service, crash, now, this.consoleUrl());
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
