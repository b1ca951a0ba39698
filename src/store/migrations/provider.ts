import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { errorMessage } from '../../domain/errors.js';
import type { Database } from '../database.js';
import type { SqlFlavor } from '../dialect.js';
import { initialMigration } from './0001-initial.js';
import { jobRunsMigration } from './0002-job-runs.js';
import { deployedSpecMigration } from './0003-deployed-spec.js';
import { webhookDeliveriesMigration } from './0004-webhook-deliveries.js';
import { teamsMigration } from './0005-teams.js';
import { serviceMetricsMigration } from './0006-service-metrics.js';
import { notificationsRollbackMigration } from './0007-notifications-rollback.js';
import { previewsMigration } from './0008-previews.js';
import { deployedSpecDigestMigration } from './0009-deployed-spec-digest.js';
import { serviceDeployedSpecsMigration } from './0010-service-deployed-specs.js';
import { deployedSpecHistoryMigration } from './0011-deployed-spec-history.js';
import { deployedConfigDigestMigration } from './0012-deployed-config-digest.js';
import { dropDeploymentServicesServiceIndexMigration } from './0013-drop-deployment-services-service-index.js';

/** Migrations are compiled in, not read from a folder, so the built package carries them. */
class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly flavor: SqlFlavor) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001-initial': initialMigration(this.flavor),
      '0002-job-runs': jobRunsMigration(this.flavor),
      '0003-deployed-spec': deployedSpecMigration(),
      '0004-webhook-deliveries': webhookDeliveriesMigration(),
      '0005-teams': teamsMigration(this.flavor),
      '0006-service-metrics': serviceMetricsMigration(),
      '0007-notifications-rollback': notificationsRollbackMigration(this.flavor),
      '0008-previews': previewsMigration(this.flavor),
      '0009-deployed-spec-digest': deployedSpecDigestMigration(),
      '0010-service-deployed-specs': serviceDeployedSpecsMigration(),
      '0011-deployed-spec-history': deployedSpecHistoryMigration(),
      '0012-deployed-config-digest': deployedConfigDigestMigration(),
      '0013-drop-deployment-services-service-index': dropDeploymentServicesServiceIndexMigration(),
    };
  }
}

/** Brings the schema up to date; Kysely's migrator locks so concurrent processes take turns. */
export async function migrateToLatest(db: Kysely<Database>, flavor: SqlFlavor): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(flavor) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}
