import type { Kysely, Migration } from 'kysely';
import type { SqlFlavor } from '../dialect.js';

/**
 * Preview environments (docs/teams.md#preview-environments): a project's previews setting, the
 * pull request an environment previews, and per pull request what was last handled, kept after
 * its preview is deleted so that a late event never brings it back.
 */
export function previewsMigration(flavor: SqlFlavor): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      // null: no previews; else { blueprintEnvironmentId, enabled }.
      await db.schema.alterTable('projects').addColumn('previews', flavor.jsonType).execute();
      // null: not a preview; else { number, branch, url }.
      await db.schema.alterTable('environments').addColumn('preview', flavor.jsonType).execute();
      await db.schema
        .createTable('pull_request_previews')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('number', 'integer', (c) => c.notNull())
        // No foreign key: the environment goes when its Delete ends, the record stays.
        .addColumn('environment_id', 'text')
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('head_sha', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('event_at', 'text')
        .addColumn('message', 'text')
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('pull_request_previews_pk', ['project_id', 'number'])
        .execute();
    },
  };
}
