import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlFlavor } from '../dialect.js';

/**
 * The first schema. Exclusivity and merging are the database's: a partial unique index
 * allows one RUNNING deployment per environment, another one identical QUEUED request.
 * Deployments have no foreign key to environments or services so that history outlives them.
 */
export function initialMigration(flavor: SqlFlavor): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('webhook_secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('environments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('runtime', 'text', (c) => c.notNull())
        .addColumn('settings', flavor.jsonType, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('environments_project_name_unique', ['project_id', 'name'])
        .execute();

      await db.schema
        .createTable('stages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('sort_order', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('stages_environment_idx').on('stages').column('environment_id').execute();

      await db.schema
        .createTable('services')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment_id', 'text', (c) => c.notNull().references('environments.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('source', flavor.jsonType, (c) => c.notNull())
        .addColumn('settings', flavor.jsonType, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('deployed_version', 'text')
        .addColumn('target_version', 'text')
        .addColumn('deployed_spec_hash', 'text')
        .addColumn('stage_id', 'text')
        .addColumn('skip_environment_actions', flavor.boolType, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('services_environment_name_unique', ['environment_id', 'name'])
        .execute();

      await db.schema
        .createTable('host_ports')
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
        .addColumn('container_port', 'integer', (c) => c.notNull())
        .addColumn('host_port', 'integer', (c) => c.notNull().unique())
        .addPrimaryKeyConstraint('host_ports_pk', ['service_id', 'container_port'])
        .execute();

      await db.schema
        .createTable('deployments')
        .addColumn('seq', flavor.serialType, (c) => (flavor.kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('environment_id', 'text', (c) => c.notNull())
        .addColumn('request', flavor.jsonType, (c) => c.notNull())
        .addColumn('request_key', 'text', (c) => c.notNull())
        .addColumn('request_services', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('triggered_by', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('cancel_requested', flavor.boolType, (c) => c.notNull())
        .addColumn('force_cancel', flavor.boolType, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .execute();
      // docs/queue-and-cancel.md#one-action-at-a-time: at most one request runs on an environment,
      // across every process.
      await db.schema
        .createIndex('deployments_one_running_per_environment')
        .on('deployments')
        .column('environment_id')
        .unique()
        .where(sql.ref('status'), '=', 'RUNNING')
        .execute();
      // docs/queue-and-cancel.md#one-action-at-a-time: an identical waiting request is merged, even
      // when two processes enqueue it at once.
      await db.schema
        .createIndex('deployments_one_identical_waiting')
        .on('deployments')
        .columns(['environment_id', 'request_key'])
        .unique()
        .where(sql.ref('status'), '=', 'QUEUED')
        .execute();
      await db.schema
        .createIndex('deployments_environment_status_idx')
        .on('deployments')
        .columns(['environment_id', 'status', 'seq'])
        .execute();
      await db.schema.createIndex('deployments_status_idx').on('deployments').columns(['status', 'lease_expires_at']).execute();

      await db.schema
        .createTable('deployment_services')
        .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id').onDelete('cascade'))
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('stage_name', 'text', (c) => c.notNull())
        .addColumn('stage_order', 'integer', (c) => c.notNull())
        .addColumn('version', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_services_pk', ['deployment_id', 'service_id'])
        .execute();
      await db.schema.createIndex('deployment_services_service_idx').on('deployment_services').column('service_id').execute();

      await db.schema
        .createTable('deployment_steps')
        .addColumn('id', flavor.serialType, (c) => (flavor.kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id').onDelete('cascade'))
        .addColumn('service_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('duration_ms', 'integer')
        .addColumn('message', 'text')
        .execute();
      await db.schema.createIndex('deployment_steps_deployment_idx').on('deployment_steps').column('deployment_id').execute();

      await db.schema
        .createTable('deployment_logs')
        .addColumn('id', flavor.serialType, (c) => (flavor.kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('deployment_id', 'text', (c) => c.notNull().references('deployments.id').onDelete('cascade'))
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('service_id', 'text')
        .addColumn('step', 'text')
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('deployment_logs_deployment_idx')
        .on('deployment_logs')
        .columns(['deployment_id', 'id'])
        .execute();
    },
  };
}
