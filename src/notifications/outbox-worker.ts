import { createHmac, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { errorMessage, isDelivered, nextTryDelayMs, type DeliveryStatus } from '../domain/index.js';
import type { ClaimedDelivery, NotificationStore } from '../store/store.js';
import type { AddressPolicy } from './address-policy.js';
import { send, type OutgoingDelivery, type TryResult } from './sender.js';

export interface OutboxOptions {
  /** The wait before the first retry; later ones double it. */
  firstRetryMs: number;
  /** How often the outbox is looked at for due deliveries (others' too). */
  pollMs: number;
  /** One try's deadline. */
  timeoutMs: number;
  /** How long a claimed delivery stays this process's; longer than a try. */
  leaseMs: number;
  /** Deliveries tried at once. */
  concurrency: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = { firstRetryMs: 40_000, pollMs: 1000, timeoutMs: 10_000, leaseMs: 60_000, concurrency: 4 };

/**
 * Sends the outbox's deliveries (docs/notifications.md#retries): claims a due one under a
 * lease, POSTs it, records the try, and schedules the next with exponential backoff until the
 * fifth. The outbox is in the store: deliveries queued before a restart are sent after it, and
 * processes sharing PostgreSQL share the work without sending one delivery twice at once.
 */
export class OutboxWorker {
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running = 0;
  private pumping = false;
  private again = false;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: NotificationStore,
    private readonly policy: AddressPolicy,
    private readonly logger: Logger,
    private readonly options: OutboxOptions = DEFAULT_OUTBOX_OPTIONS,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks at the outbox now (a delivery was just queued). */
  wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump()
      .catch((err: unknown) => this.logger.warn({ err: errorMessage(err) }, 'notification outbox look failed'))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Stops claiming; waits for the tries under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
  }

  private async pump(): Promise<void> {
    while (!this.closed && this.running < this.options.concurrency) {
      const delivery = await this.store.claimDelivery(this.owner, this.options.leaseMs);
      if (!delivery) return;
      this.running++;
      const work = this.deliver(delivery).finally(() => {
        this.running--;
        this.inFlight.delete(work);
        this.wake();
      });
      this.inFlight.add(work);
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const startedAt = new Date();
    let result: TryResult;
    try {
      result = await send(outgoing(delivery), this.policy, this.options.timeoutMs);
    } catch (err) {
      result = { statusCode: null, error: errorMessage(err) };
    }
    const number = delivery.tries + 1;
    const delivered = isDelivered(result.statusCode);
    const delay = delivered ? null : nextTryDelayMs(number, this.options.firstRetryMs);
    const status: DeliveryStatus = delivered ? 'DELIVERED' : delay === null ? 'FAILED' : 'PENDING';
    const tried = { number, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), statusCode: result.statusCode, error: result.error };
    const recorded = await this.store.recordTry(delivery.id, this.owner, tried, {
      status,
      nextTryAt: delay === null ? null : new Date(Date.now() + delay).toISOString(),
    });
    // The URL may hold a token in its path (Slack's do): the log names the delivery, never the URL.
    const log = { deliveryId: delivery.id, notificationId: delivery.notificationId, event: delivery.event, try: number, statusCode: result.statusCode };
    if (!recorded) this.logger.warn(log, 'notification try not recorded: the lease was lost');
    else if (delivered) this.logger.info(log, 'notification delivered');
    else this.logger.warn({ ...log, error: result.error, status }, status === 'FAILED' ? 'notification failed after its last try' : 'notification try failed');
  }
}

/** The request of a delivery: its headers (signed with the secret when there is one) and body. */
export function outgoing(delivery: ClaimedDelivery): OutgoingDelivery {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Slipway-Notifications/1',
    'x-slipway-event': delivery.event,
    'x-slipway-delivery': delivery.id,
  };
  if (delivery.secret !== null) headers['x-slipway-signature-256'] = signature(delivery.secret, delivery.payload);
  return { url: delivery.url, headers, body: delivery.payload };
}

/** `sha256=<hex HMAC-SHA-256 of the body with the secret>`, as GitHub signs its webhooks. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
