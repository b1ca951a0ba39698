import type { Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../dialect.js';

/**
 * Notifications (docs/notifications.md): each project's webhooks, the outbox of deliveries
 * (claimed under a lease, so a restart loses none and two processes never send one twice;
 * unique per notification and event, so an event seen by several processes is queued once),
 * and every try of each. And what each deployment deployed, per service (docs/api.md#rollback):
 * the version and the deployed spec (source, settings), encrypted as services.deployed_spec is.
 */
export function notificationsRollbackMigration(flavor: SqlFlavor): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', flavor.jsonType, (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('secret', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('notifications_project_name_unique', ['project_id', 'name'])
        .execute();

      await db.schema
        .createTable('notification_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id').onDelete('cascade'))
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('event_key', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('tries', 'integer', (c) => c.notNull())
        .addColumn('next_try_at', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addUniqueConstraint('notification_deliveries_event_unique', ['notification_id', 'event_key'])
        .execute();
      await db.schema.createIndex('notification_deliveries_due_idx').on('notification_deliveries').columns(['status', 'next_try_at']).execute();

      await db.schema
        .createTable('notification_tries')
        .addColumn('id', flavor.serialType, (c) => (flavor.kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('delivery_id', 'text', (c) => c.notNull().references('notification_deliveries.id').onDelete('cascade'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('notification_tries_delivery_idx').on('notification_tries').column('delivery_id').execute();

      await db.schema.alterTable('deployment_services').addColumn('deployed_version', 'text').execute();
      await db.schema.alterTable('deployment_services').addColumn('deployed_spec', 'text').execute();
    },
  };
}
