import type { DatabaseSource } from '../../domain/index.js';

/**
 * Managed databases (docs/resources.md#databases, `mode: managed`): a cloud provider runs the database; Slipway
 * creates, describes, pauses, resumes and deletes it through this interface. The AWS
 * implementation (RDS for PostgreSQL and MySQL, ElastiCache for Redis) is in aws.ts.
 */

/** Why a managed database cannot be driven here, and the setting that would configure a provider. */
export const NO_MANAGED_DATABASE_PROVIDER =
  'no managed database provider is configured on this Slipway server: set SLIPWAY_AWS_REGION to use AWS (RDS, ElastiCache)';

export interface ManagedDatabaseSpec {
  /** The provider's identifier of the instance, derived from the service id (stable). */
  identifier: string;
  engine: DatabaseSource['engine'];
  version: string;
  storageGb: number;
  user: string;
  password: string;
  database: string;
}

export type ManagedDatabaseState = 'creating' | 'available' | 'stopping' | 'stopped' | 'starting' | 'deleting' | 'failed' | 'other';

export interface ManagedDatabaseInfo {
  identifier: string;
  state: ManagedDatabaseState;
  /** The provider's own status word (e.g. RDS "backing-up"), for messages. */
  providerStatus: string;
  endpoint: { host: string; port: number } | null;
}

/** Thrown when the provider cannot do what was asked (a managed Redis cannot be stopped). */
export class ManagedDatabaseUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManagedDatabaseUnsupportedError';
  }
}

export interface ManagedDatabaseProvider {
  readonly name: string;
  /** Creates the database; an existing one with that identifier is left as it is. */
  create(spec: ManagedDatabaseSpec): Promise<ManagedDatabaseInfo>;
  /** null when it does not exist. */
  describe(engine: DatabaseSource['engine'], identifier: string): Promise<ManagedDatabaseInfo | null>;
  /** Pauses it (RDS stop). Throws ManagedDatabaseUnsupportedError where the provider cannot. */
  stop(engine: DatabaseSource['engine'], identifier: string): Promise<void>;
  /** Resumes a paused one. */
  start(engine: DatabaseSource['engine'], identifier: string): Promise<void>;
  /** Deletes it; keepData keeps a final snapshot. */
  delete(engine: DatabaseSource['engine'], identifier: string, options: { keepData: boolean }): Promise<void>;
}

/** The provider identifier of a service's managed database: a letter first, at most 40 characters (ElastiCache's limit). */
export function managedIdentifier(serviceId: string): string {
  return `slipway-${serviceId.replace(/-/g, '').slice(0, 32)}`;
}
