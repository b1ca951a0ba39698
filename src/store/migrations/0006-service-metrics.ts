import type { Kysely, Migration } from 'kysely';

/**
 * CPU and memory points of services, sampled by Slipway (docs/api.md#metrics): one row per
 * service and sampling, kept 24 hours (older rows are deleted as new ones arrive).
 */
export function serviceMetricsMigration(): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('service_metrics')
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('cpu_percent', 'double precision', (c) => c.notNull())
        .addColumn('memory_bytes', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('service_metrics_service_ts_idx').on('service_metrics').columns(['service_id', 'ts']).execute();
      await db.schema.createIndex('service_metrics_ts_idx').on('service_metrics').column('ts').execute();
    },
  };
}
