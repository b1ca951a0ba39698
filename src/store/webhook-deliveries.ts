import type { StoreContext } from './context.js';

/** How long a delivery is remembered: replays older than this act again (providers retry within hours). */
export const WEBHOOK_DELIVERY_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Webhook deliveries already received (see migration 0004), pruned after the retention. */
export class WebhookDeliveriesRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Records the keys of a delivery; false when any of them was recorded before (a replay).
   * The primary key settles two processes receiving the same delivery at once: one wins.
   */
  async recordWebhookDelivery(keys: readonly string[]): Promise<boolean> {
    const now = this.ctx.now();
    const cutoff = new Date(now.getTime() - WEBHOOK_DELIVERY_RETENTION_MS).toISOString();
    await this.ctx.db.deleteFrom('webhook_deliveries').where('received_at', '<', cutoff).execute();
    let fresh = true;
    for (const id of keys) {
      const inserted = await this.ctx.db
        .insertInto('webhook_deliveries')
        .values({ id, received_at: now.toISOString() })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) fresh = false;
    }
    return fresh;
  }

  /** Forgets a delivery that could not be acted on, so that the provider's retry acts. */
  async forgetWebhookDelivery(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.ctx.db.deleteFrom('webhook_deliveries').where('id', 'in', [...keys]).execute();
  }
}
