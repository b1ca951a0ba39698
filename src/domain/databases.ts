import { isContainerDatabase, type DatabaseService, type DatabaseSource, type EnvVar, type PortSetting, type Probe, type Service } from './model.js';

/**
 * Container databases (docs/resources.md): how each engine's official image is driven — its credential
 * env vars, data path and port — and the connection the other services of the environment get
 * as `<NAME>_HOST/_PORT/_USER/_PASSWORD/_DATABASE/_URL`. Any image that honours the same
 * conventions works as an override.
 */

export type DatabaseEngine = DatabaseSource['engine'];

interface EngineConventions {
  officialImage: string;
  port: number;
  /** Where the official image keeps its data: the named volume is mounted here. */
  dataPath: string;
  scheme: string;
  /**
   * The env vars the image reads its credentials from, given user / password / database, and
   * `newSecret` for any other secret the image wants (kept pure: the caller brings randomness).
   */
  credentialEnv(user: string, password: string, database: string, newSecret: () => string): Record<string, string>;
  /** Reads them back: which key holds the user, the password, the database (null: none). */
  keys: { user: string | null; password: string; database: string | null };
  /** The generated user name, from the service's identifier, where the image refuses some names. */
  userName?(identifier: string): string;
}

const PASSWORD_KEYS = { postgresql: 'POSTGRES_PASSWORD', mysql: 'MYSQL_PASSWORD', redis: 'REDIS_PASSWORD', mongodb: 'MONGO_INITDB_ROOT_PASSWORD' } as const;

export const DATABASE_ENGINES: Readonly<Record<DatabaseEngine, EngineConventions>> = {
  postgresql: {
    officialImage: 'postgres',
    port: 5432,
    dataPath: '/var/lib/postgresql/data',
    scheme: 'postgresql',
    credentialEnv: (user, password, database) => ({ POSTGRES_USER: user, POSTGRES_PASSWORD: password, POSTGRES_DB: database }),
    keys: { user: 'POSTGRES_USER', password: PASSWORD_KEYS.postgresql, database: 'POSTGRES_DB' },
  },
  mysql: {
    officialImage: 'mysql',
    port: 3306,
    dataPath: '/var/lib/mysql',
    scheme: 'mysql',
    // The official image also wants a root password; the app user gets its own.
    credentialEnv: (user, password, database, newSecret) => ({ MYSQL_USER: user, MYSQL_PASSWORD: password, MYSQL_DATABASE: database, MYSQL_ROOT_PASSWORD: newSecret() }),
    keys: { user: 'MYSQL_USER', password: PASSWORD_KEYS.mysql, database: 'MYSQL_DATABASE' },
    // The official image refuses MYSQL_USER=root (it is for a regular user) and exits; MySQL
    // user names are at most 32 characters (service names up to 63): CREATE USER fails beyond.
    userName: (id) => {
      const user = id.slice(0, 32);
      return user === 'root' ? 'root_user' : user;
    },
  },
  redis: {
    officialImage: 'redis',
    port: 6379,
    dataPath: '/data',
    scheme: 'redis',
    // The official redis image reads no credential env: the command passes it (databaseCommand).
    credentialEnv: (_user, password) => ({ REDIS_PASSWORD: password }),
    keys: { user: null, password: PASSWORD_KEYS.redis, database: null },
  },
  mongodb: {
    officialImage: 'mongo',
    port: 27017,
    dataPath: '/data/db',
    scheme: 'mongodb',
    credentialEnv: (user, password, database) => ({ MONGO_INITDB_ROOT_USERNAME: user, MONGO_INITDB_ROOT_PASSWORD: password, MONGO_INITDB_DATABASE: database }),
    keys: { user: 'MONGO_INITDB_ROOT_USERNAME', password: PASSWORD_KEYS.mongodb, database: 'MONGO_INITDB_DATABASE' },
  },
};

/** A user / database name from the service name: letters, digits, underscores. */
function identifier(serviceName: string): string {
  const id = serviceName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[a-z_]/.test(id) ? id : `db_${id}`;
}

/**
 * The credentials of a new database, as env vars of its service (passwords secret, so the
 * store encrypts them and the API masks them). Keys the user already set are kept as they are.
 */
export function withDatabaseCredentials(source: DatabaseSource, serviceName: string, env: readonly EnvVar[], newSecret: () => string): EnvVar[] {
  const conventions = DATABASE_ENGINES[source.engine];
  if (env.some((v) => v.key === conventions.keys.password)) return [...env];
  const name = identifier(serviceName);
  const generated = conventions.credentialEnv(conventions.userName?.(name) ?? name, newSecret(), name, newSecret);
  const added = Object.entries(generated)
    .filter(([key]) => !env.some((v) => v.key === key))
    .map(([key, value]) => ({ key, value, secret: /PASSWORD/.test(key) }));
  return [...env, ...added];
}

/**
 * The credentials of a copy of a database (a cloned environment, docs/teams.md#clone): its
 * passwords generated anew, its user and database names kept, so that a clone never shares a
 * password with the environment it was copied from.
 */
export function withFreshDatabaseCredentials(source: DatabaseSource, serviceName: string, env: readonly EnvVar[], newSecret: () => string): EnvVar[] {
  const generated = DATABASE_ENGINES[source.engine].credentialEnv('user', 'password', 'database', () => 'secret');
  const passwords = new Set(Object.keys(generated).filter((key) => /PASSWORD/.test(key)));
  return withDatabaseCredentials(source, serviceName, env.filter((v) => !passwords.has(v.key)), newSecret);
}

export function hasDatabaseCredentials(service: DatabaseService): boolean {
  const source = service.source;
  return service.settings.env.some((v) => v.key === DATABASE_ENGINES[source.engine].keys.password);
}

/** The image of a database: the override, or the engine's official image at its version. */
export function databaseImage(source: DatabaseSource): { name: string; tag: string } {
  return source.image ?? { name: DATABASE_ENGINES[source.engine].officialImage, tag: source.version };
}

/** The settings a container database runs with: its port, its data volume, a readiness probe that fits the engine. */
export function databaseRuntimeSettings(service: DatabaseService): {
  ports: PortSetting[];
  storage: Array<{ mountPath: string; sizeGb: number }>;
  readiness: Probe;
  command?: string[];
} {
  const source = service.source;
  const conventions = DATABASE_ENGINES[source.engine];
  const s = service.settings;
  const port = s.ports[0]?.containerPort ?? conventions.port;
  const timing = { initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 1 };
  const env = Object.fromEntries(s.env.map((v) => [v.key, v.value]));
  // pg_isready is in the official image; an override may lack it, so it gets a tcp check.
  const readiness: Probe =
    s.healthchecks.readiness ??
    (source.engine === 'postgresql' && !source.image
      ? { type: 'exec', command: ['pg_isready', '-h', '127.0.0.1', '-p', String(port), '-U', env.POSTGRES_USER ?? 'postgres'], ...timing }
      : { type: 'tcp', port, ...timing });
  const password = env[conventions.keys.password];
  const command = s.command ?? (source.engine === 'redis' && password ? ['redis-server', '--appendonly', 'yes', '--requirepass', password] : undefined);
  return {
    ports: s.ports.length > 0 ? s.ports : [{ containerPort: port, public: false, protocol: 'tcp' }],
    storage: s.storage.length > 0 ? s.storage : [{ mountPath: conventions.dataPath, sizeGb: source.storageGb }],
    readiness,
    ...(command ? { command } : {}),
  };
}

/** `<NAME>_` of a database service: upper-cased, `-` as `_`. */
export function connectionPrefix(serviceName: string): string {
  return `${serviceName.toUpperCase().replace(/-/g, '_')}_`;
}

/** The env vars that give the other services of the environment this database's connection. */
export function connectionEnv(service: DatabaseService, host: string): Record<string, string> {
  const source = service.source;
  const conventions = DATABASE_ENGINES[source.engine];
  const env = Object.fromEntries(service.settings.env.map((v) => [v.key, v.value]));
  const user = conventions.keys.user ? (env[conventions.keys.user] ?? '') : '';
  const password = env[conventions.keys.password] ?? '';
  const database = conventions.keys.database ? (env[conventions.keys.database] ?? '') : source.engine === 'redis' ? '0' : '';
  const port = String(service.settings.ports[0]?.containerPort ?? conventions.port);
  const auth = user || password ? `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
  const query = source.engine === 'mongodb' ? '?authSource=admin' : '';
  const prefix = connectionPrefix(service.name);
  return {
    [`${prefix}HOST`]: host,
    [`${prefix}PORT`]: port,
    [`${prefix}USER`]: user,
    [`${prefix}PASSWORD`]: password,
    [`${prefix}DATABASE`]: database,
    [`${prefix}URL`]: `${conventions.scheme}://${auth}${host}:${port}/${database}${query}`,
  };
}

/** How to connect to a container database, as its settings page shows it (docs/api.md#database-connection). */
export interface DatabaseConnection {
  engine: DatabaseSource['engine'];
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  url: string;
}

export function databaseConnection(service: DatabaseService, host: string): DatabaseConnection {
  const env = connectionEnv(service, host);
  const prefix = connectionPrefix(service.name);
  const value = (key: string) => env[`${prefix}${key}`] ?? '';
  return {
    engine: service.source.engine,
    host,
    port: Number(value('PORT')),
    user: value('USER'),
    password: value('PASSWORD'),
    database: value('DATABASE'),
    url: value('URL'),
  };
}

/** The connections of the environment's container databases, for every other service's env. */
export function injectedConnections(services: readonly Service[], hostOf: (db: Service) => string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const db of services) {
    if (isContainerDatabase(db) && db.status !== 'DELETED') Object.assign(env, connectionEnv(db, hostOf(db)));
  }
  return env;
}
