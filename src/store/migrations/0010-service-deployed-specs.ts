import type { Kysely, Migration } from 'kysely';

/**
 * Each service's deployed spec (encrypted, about 1.2 KB) moves out of its row into a table of
 * its own: every status move rewrites the service's whole row, which then carries the spec
 * no more. What is stored is the same ciphertext, still bound to its service.
 */
export function serviceDeployedSpecsMigration(): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('service_deployed_specs')
        .addColumn('service_id', 'text', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
      await db
        .insertInto('service_deployed_specs')
        .columns(['service_id', 'spec'])
        .expression(db.selectFrom('services').select(['id', 'deployed_spec']).where('deployed_spec', 'is not', null))
        .execute();
      await db.schema.alterTable('services').dropColumn('deployed_spec').execute();
    },
  };
}
