import type { Logger } from 'pino';
import type { EventBus } from '../engine/events.js';
import type { Store } from '../store/store.js';
import { AddressPolicy } from './address-policy.js';
import { Notifier } from './notifier.js';
import { DEFAULT_OUTBOX_OPTIONS, OutboxWorker, type OutboxOptions } from './outbox-worker.js';

export { AddressPolicy } from './address-policy.js';

export interface NotificationsOptions {
  /** Hosts exempt from the address refusal (SLIPWAY_NOTIFICATION_ALLOW_HOSTS). */
  allowHosts: readonly string[];
  /** Where links in deliveries point (SLIPWAY_PUBLIC_URL); unset: the address the API listens on. */
  publicUrl?: string;
  outbox?: Partial<OutboxOptions>;
}

/** Notifications (docs/notifications.md): the engine's events queued in the outbox, and the worker that sends them. */
export class Notifications {
  readonly policy: AddressPolicy;
  private readonly worker: OutboxWorker;
  private notifier: Notifier | undefined;
  private listenUrl: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly options: NotificationsOptions,
  ) {
    this.policy = new AddressPolicy(options.allowHosts);
    this.worker = new OutboxWorker(store, this.policy, logger, { ...DEFAULT_OUTBOX_OPTIONS, ...options.outbox });
  }

  /**
   * Starts queueing events. Called before the engine starts: the running states the engine
   * publishes first are what a later crash is compared with (a crash seen with nothing to
   * compare it to is not recognised).
   */
  subscribe(): Notifier {
    if (this.notifier) return this.notifier;
    this.notifier = new Notifier(this.store, this.events, () => (this.options.publicUrl ?? this.listenUrl ?? '').replace(/\/+$/, ''), this.logger, () => this.worker.wake());
    this.notifier.start();
    return this.notifier;
  }

  /** Queues events (if not yet) and starts sending deliveries; `listenUrl` is the API's address, the links' default. */
  start(listenUrl: string): void {
    this.listenUrl = listenUrl;
    this.subscribe().catchUpRecent();
    this.worker.start();
  }

  async close(): Promise<void> {
    await this.notifier?.close();
    await this.worker.close();
  }
}
