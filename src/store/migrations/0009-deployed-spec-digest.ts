import type { Kysely, Migration } from 'kysely';

/**
 * The digest of each service's deployed spec (deployedSpecDigest), written with it: a redeploy
 * without changes compares digests instead of decrypting and parsing the spec. Services
 * deployed before this migration have none until their next deploy records one.
 */
export function deployedSpecDigestMigration(): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('services').addColumn('deployed_spec_digest', 'text').execute();
    },
  };
}
