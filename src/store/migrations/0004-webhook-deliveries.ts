import type { Kysely, Migration } from 'kysely';

/**
 * Webhook deliveries already acted on (docs/api.md#webhooks: a delivery seen before is answered 200 without
 * acting again). In the database, so a replay is refused after a restart and by every process
 * sharing it; rows older than the retention are pruned as new ones arrive.
 */
export function webhookDeliveriesMigration(): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_received_idx').on('webhook_deliveries').column('received_at').execute();
    },
  };
}
