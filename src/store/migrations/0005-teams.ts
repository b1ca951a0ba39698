import type { Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../dialect.js';

/**
 * What teams need (docs/teams.md): variables shared by a project or an environment (secret
 * values encrypted like services' secrets), the projects a token is limited to, and the audit
 * log of every change.
 */
export function teamsMigration(flavor: SqlFlavor): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('variables')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Exactly one of the two is set: the scope the variable belongs to.
        .addColumn('project_id', 'text', (c) => c.references('projects.id').onDelete('cascade'))
        .addColumn('environment_id', 'text', (c) => c.references('environments.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('secret', flavor.boolType, (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('variables_project_idx').on('variables').column('project_id').execute();
      await db.schema.createIndex('variables_environment_idx').on('variables').column('environment_id').execute();

      // null: the token reaches every project; else a JSON array of project ids.
      await db.schema.alterTable('tokens').addColumn('projects', flavor.jsonType).execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('seq', flavor.serialType, (c) => (flavor.kind === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text')
        .addColumn('token_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text')
        .addColumn('project_id', 'text')
        .addColumn('fields', flavor.jsonType, (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_project_idx').on('audit_events').columns(['project_id', 'seq']).execute();
    },
  };
}
