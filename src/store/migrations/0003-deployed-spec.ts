import type { Kysely, Migration } from 'kysely';

/**
 * What the last successful deploy of each service applied (source, settings, the spec rolled
 * out), as one encrypted value: Restart runs it again, and pending changes are measured
 * against it. Services deployed before this migration have none until their next deploy.
 */
export function deployedSpecMigration(): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('services').addColumn('deployed_spec', 'text').execute();
    },
  };
}
