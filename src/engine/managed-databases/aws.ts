import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { CreateCacheClusterCommand, DeleteCacheClusterCommand, DescribeCacheClustersCommand, ElastiCacheClient, type CacheCluster } from '@aws-sdk/client-elasticache';
import type { DatabaseSource } from '../../domain/index.js';
import {
  ManagedDatabaseUnsupportedError,
  type ManagedDatabaseInfo,
  type ManagedDatabaseProvider,
  type ManagedDatabaseSpec,
  type ManagedDatabaseState,
} from './provider.js';

/**
 * Managed databases on AWS with the SDK v3: RDS for PostgreSQL and MySQL, ElastiCache for
 * Redis. ElastiCache has no stop: stopping a managed Redis is refused with the reason. MongoDB
 * is not offered (DocumentDB is not MongoDB). Credentials come from the SDK's default chain.
 */

export interface AwsProviderOptions {
  region?: string;
  rds?: RDSClient;
  elastiCache?: ElastiCacheClient;
  /** Default db.t3.micro / cache.t3.micro. */
  instanceClass?: string;
  cacheNodeType?: string;
}

const RDS_ENGINES: Partial<Record<DatabaseSource['engine'], string>> = { postgresql: 'postgres', mysql: 'mysql' };

/** Whether the SDK error is one of these faults (by name). */
function isFault(error: unknown, names: string[]): boolean {
  return names.includes((error as { name?: string } | null)?.name ?? '');
}

function rdsState(status: string): ManagedDatabaseState {
  if (status === 'available' || status === 'backing-up' || status === 'modifying') return 'available';
  if (['creating', 'stopping', 'stopped', 'starting', 'deleting', 'failed'].includes(status)) return status as ManagedDatabaseState;
  return 'other';
}

function cacheState(status: string): ManagedDatabaseState {
  if (status === 'available' || status === 'modifying' || status === 'snapshotting') return 'available';
  if (status === 'creating' || status === 'deleting') return status;
  if (status === 'create-failed' || status === 'incompatible-network') return 'failed';
  return 'other';
}

export class AwsManagedDatabases implements ManagedDatabaseProvider {
  readonly name = 'aws';
  private readonly rds: RDSClient;
  private readonly elastiCache: ElastiCacheClient;
  private readonly instanceClass: string;
  private readonly cacheNodeType: string;

  constructor(options: AwsProviderOptions = {}) {
    const config = options.region ? { region: options.region } : {};
    this.rds = options.rds ?? new RDSClient(config);
    this.elastiCache = options.elastiCache ?? new ElastiCacheClient(config);
    this.instanceClass = options.instanceClass ?? 'db.t3.micro';
    this.cacheNodeType = options.cacheNodeType ?? 'cache.t3.micro';
  }

  private rdsEngine(engine: DatabaseSource['engine']): string {
    const name = RDS_ENGINES[engine];
    if (!name) throw new ManagedDatabaseUnsupportedError(`a managed ${engine} database is not offered on AWS`);
    return name;
  }

  async create(spec: ManagedDatabaseSpec): Promise<ManagedDatabaseInfo> {
    try {
      return await this.createNew(spec);
    } catch (error) {
      // Created meanwhile (another process, an earlier attempt): describe what is there.
      if (!isFault(error, ['DBInstanceAlreadyExistsFault', 'CacheClusterAlreadyExistsFault'])) throw error;
      const existing = await this.describe(spec.engine, spec.identifier);
      if (!existing) throw error;
      return existing;
    }
  }

  private async createNew(spec: ManagedDatabaseSpec): Promise<ManagedDatabaseInfo> {
    if (spec.engine === 'redis') {
      const { CacheCluster: cluster } = await this.elastiCache.send(
        new CreateCacheClusterCommand({
          CacheClusterId: spec.identifier,
          Engine: 'redis',
          EngineVersion: spec.version,
          CacheNodeType: this.cacheNodeType,
          NumCacheNodes: 1,
          Tags: [{ Key: 'slipway', Value: 'true' }],
        }),
      );
      return this.fromCache(cluster, spec.identifier);
    }
    const { DBInstance: instance } = await this.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: spec.identifier,
        Engine: this.rdsEngine(spec.engine),
        EngineVersion: spec.version,
        DBInstanceClass: this.instanceClass,
        AllocatedStorage: Math.max(20, spec.storageGb),
        // RDS limits: MySQL user names are at most 16 characters.
        MasterUsername: spec.user.slice(0, 16),
        MasterUserPassword: spec.password,
        DBName: spec.database,
        PubliclyAccessible: false,
        Tags: [{ Key: 'slipway', Value: 'true' }],
      }),
    );
    return this.fromRds(instance, spec.identifier);
  }

  async describe(engine: DatabaseSource['engine'], identifier: string): Promise<ManagedDatabaseInfo | null> {
    try {
      if (engine === 'redis') {
        const { CacheClusters } = await this.elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: identifier, ShowCacheNodeInfo: true }));
        return CacheClusters?.[0] ? this.fromCache(CacheClusters[0], identifier) : null;
      }
      this.rdsEngine(engine);
      const { DBInstances } = await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
      return DBInstances?.[0] ? this.fromRds(DBInstances[0], identifier) : null;
    } catch (error) {
      if (isFault(error, ['DBInstanceNotFoundFault', 'CacheClusterNotFoundFault'])) return null;
      throw error;
    }
  }

  async stop(engine: DatabaseSource['engine'], identifier: string): Promise<void> {
    if (engine === 'redis') {
      throw new ManagedDatabaseUnsupportedError('a managed Redis (ElastiCache) cannot be stopped: ElastiCache has no stop or pause; delete the service to remove it');
    }
    this.rdsEngine(engine);
    const info = await this.describe(engine, identifier);
    if (!info || info.state === 'stopped' || info.state === 'stopping') return;
    await this.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: identifier }));
  }

  async start(engine: DatabaseSource['engine'], identifier: string): Promise<void> {
    if (engine === 'redis') return;
    const info = await this.describe(engine, identifier);
    if (!info || info.state !== 'stopped') return;
    await this.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: identifier }));
  }

  async delete(engine: DatabaseSource['engine'], identifier: string, options: { keepData: boolean }): Promise<void> {
    try {
      if (engine === 'redis') {
        await this.elastiCache.send(
          new DeleteCacheClusterCommand({ CacheClusterId: identifier, ...(options.keepData ? { FinalSnapshotIdentifier: `${identifier}-final` } : {}) }),
        );
        return;
      }
      await this.rds.send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: identifier,
          ...(options.keepData ? { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: `${identifier}-final` } : { SkipFinalSnapshot: true }),
          DeleteAutomatedBackups: !options.keepData,
        }),
      );
    } catch (error) {
      if (!isFault(error, ['DBInstanceNotFoundFault', 'CacheClusterNotFoundFault'])) throw error;
    }
  }

  private fromRds(instance: DBInstance | undefined, identifier: string): ManagedDatabaseInfo {
    const status = instance?.DBInstanceStatus ?? 'creating';
    const endpoint = instance?.Endpoint?.Address ? { host: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 0 } : null;
    return { identifier, state: rdsState(status), providerStatus: status, endpoint };
  }

  private fromCache(cluster: CacheCluster | undefined, identifier: string): ManagedDatabaseInfo {
    const status = cluster?.CacheClusterStatus ?? 'creating';
    const node = cluster?.CacheNodes?.[0]?.Endpoint;
    const endpoint = node?.Address ? { host: node.Address, port: node.Port ?? 6379 } : null;
    return { identifier, state: cacheState(status), providerStatus: status, endpoint };
  }
}
