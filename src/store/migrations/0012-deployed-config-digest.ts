import type { Kysely, Migration } from 'kysely';

/**
 * The digest of each service's deployed configuration (configDigest), written with its spec: a
 * read of the pending changes compares digests, and decrypts the spec only when they differ.
 * Services deployed before this migration get theirs when a store opens
 * (ServicesRepository.recordMissingConfigDigests).
 */
export function deployedConfigDigestMigration(): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('services').addColumn('deployed_config_digest', 'text').execute();
    },
  };
}
