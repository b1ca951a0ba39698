import { KyselyStore } from './kysely-store.js';
import { openDatabase } from './dialect.js';
import { migrateToLatest } from './migrations/provider.js';
import { openSecretBox } from './secrets.js';
import { ServicesRepository } from './services.js';
import type { Store } from './store.js';

export interface StoreOptions {
  /** `postgres://…` for PostgreSQL; unset or empty for SQLite in `<dataDir>/slipway.db`. */
  databaseUrl?: string;
  /** Holds the SQLite file and, without `secretKey`, the generated key file `secret.key`. */
  dataDir: string;
  /** SLIPWAY_SECRET_KEY: any string; the encryption key is derived from it. */
  secretKey?: string;
  /** The app clock (tests move it to expire leases without waiting). */
  now?: () => Date;
}

/** Opens the database, brings its schema up to date and returns the Store on it. */
export async function createStore(options: StoreOptions): Promise<Store> {
  const secrets = await openSecretBox(options);
  const { db, flavor } = await openDatabase(options);
  try {
    await migrateToLatest(db, flavor);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const ctx = { db, flavor, secrets, now: options.now ?? (() => new Date()) };
  try {
    const services = new ServicesRepository(ctx);
    // Git URL credentials an older Slipway stored in clear are sealed now (docs/build.md#credentials).
    await services.sealStoredGitUrls();
    // Deploys recorded before their config digest was kept get it (pending changes without decrypting).
    await services.recordMissingConfigDigests();
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyStore(ctx);
}
