import type { Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../dialect.js';

/**
 * Runs of cron jobs (docs/resources.md#jobs) and their output. One run per (service, scheduled tick): a
 * unique index, so two Slipway processes sharing a database never both run the same tick.
 * No foreign key to services: a run's history outlives its service, like deployments.
 */
export function jobRunsMigration(flavor: SqlFlavor): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('job_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('environment_id', 'text', (c) => c.notNull())
        .addColumn('scheduled_for', 'text', (c) => c.notNull())
        .addColumn('version', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('exit_code', 'integer')
        .addColumn('message', 'text')
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema.createIndex('job_runs_one_per_tick').on('job_runs').columns(['service_id', 'scheduled_for']).unique().execute();
      await db.schema
        .createTable('job_run_logs')
        .addColumn('id', flavor.serialType, (c) => (flavor.kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('run_id', 'text', (c) => c.notNull().references('job_runs.id').onDelete('cascade'))
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('job_run_logs_run_idx').on('job_run_logs').columns(['run_id', 'id']).execute();
    },
  };
}
