import type { Kysely, Migration } from 'kysely';

/**
 * Each spec a service was deployed with, once, keyed by its digest (deployed_specs); a
 * deployment's record of a service that ended DEPLOYED names its spec by that digest instead
 * of holding a copy of the ciphertext (about 1.2 KB per service and deployment, written even
 * by a redeploy without changes). Records written before keep their copy in deployed_spec.
 * The specs go with their service, as the service's current spec does.
 */
export function deployedSpecHistoryMigration(): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('deployed_specs')
        .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('deployed_specs_pk', ['service_id', 'digest'])
        .execute();
      // Every service's current spec that has a digest (those deployed before 0009 get theirs at their next deploy).
      await db
        .insertInto('deployed_specs')
        .columns(['service_id', 'digest', 'spec'])
        .expression(
          db
            .selectFrom('services')
            .innerJoin('service_deployed_specs', 'service_deployed_specs.service_id', 'services.id')
            .select(['services.id', 'services.deployed_spec_digest', 'service_deployed_specs.spec'])
            .where('services.deployed_spec_digest', 'is not', null),
        )
        .execute();
      await db.schema.alterTable('deployment_services').addColumn('deployed_spec_digest', 'text').execute();
    },
  };
}
