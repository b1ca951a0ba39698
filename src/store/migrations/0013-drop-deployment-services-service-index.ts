import type { Kysely, Migration } from 'kysely';

/**
 * Drops the index of deployment_services by service_id (0001): no query uses it (every read
 * and write of a record names its deployment, and the primary key (deployment_id, service_id)
 * serves them), yet every record written updated it: each deployment of 50 services touched up
 * to 50 of its pages, about 40 % of the cost of that insert on SQLite.
 */
export function dropDeploymentServicesServiceIndexMigration(): Migration {
  return {
    // Migrations run against whatever schema exists at that point, not the final typed one.
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('deployment_services_service_idx').ifExists().execute();
    },
  };
}
