import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql, type ColumnDataType, type RawBuilder } from 'kysely';
import type { Database } from './database.js';
import { withPreparedStatements } from './prepared-statements.js';
import { withStatementCache } from './statement-cache.js';

/**
 * Everything that differs between SQLite and PostgreSQL lives here: how the database is
 * opened, the column types of booleans, JSON and autoincrement keys, how values come back,
 * and what a unique violation looks like. The repositories only use portable Kysely.
 */
export interface SqlFlavor {
  readonly kind: 'sqlite' | 'postgres';
  /** better-sqlite3 cannot bind booleans: SQLite gets 0/1, PostgreSQL a real boolean. */
  bool(value: boolean): boolean | number;
  readonly boolType: ColumnDataType;
  /** jsonb in PostgreSQL, text in SQLite; values are written as JSON strings either way. */
  readonly jsonType: ColumnDataType;
  /** The type of an autoincrement primary key (SQLite also needs `autoIncrement()`). */
  readonly serialType: ColumnDataType;
  /** Whether the error is a unique-constraint violation (another writer won a race). */
  isUniqueViolation(error: unknown): boolean;
  /** Milliseconds from the ISO time in text column `column` to `endIso`, never negative, in SQL. */
  millisSince(column: string, endIso: string): RawBuilder<number>;
}

const sqliteFlavor: SqlFlavor = {
  kind: 'sqlite',
  bool: (value) => (value ? 1 : 0),
  boolType: 'integer',
  jsonType: 'text',
  serialType: 'integer',
  isUniqueViolation: (error) => {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
  millisSince: (column, endIso) => sql<number>`max(0, cast(round((julianday(${endIso}) - julianday(${sql.ref(column)})) * 86400000) as integer))`,
};

const postgresFlavor: SqlFlavor = {
  kind: 'postgres',
  bool: (value) => value,
  boolType: 'boolean',
  jsonType: 'jsonb',
  serialType: 'bigserial',
  isUniqueViolation: (error) => (error as { code?: unknown } | null)?.code === '23505',
  millisSince: (column, endIso) => sql<number>`greatest(0, round(extract(epoch from (${endIso}::timestamptz - ${sql.ref(column)}::timestamptz)) * 1000))::bigint`,
};

/** A JSON column as read: a string from SQLite, already parsed from PostgreSQL's jsonb. */
export function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** pg returns 64-bit integers (bigserial, count) as strings. */
export function toNumber(value: number | string | bigint | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  flavor: SqlFlavor;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

/**
 * PostgreSQL when a postgres:// URL is given, else SQLite in `<dataDir>/slipway.db`. Each driver
 * is loaded only when its database is opened: a server on SQLite has no use for pg (about 3 MB
 * of its RSS; 16 MB in a bare node).
 */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<OpenedDatabase> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    if (!isPostgresUrl(options.databaseUrl)) {
      throw new Error('SLIPWAY_DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)');
    }
    const { default: pg } = await import('pg');
    const pool = withPreparedStatements(new pg.Pool({ connectionString: options.databaseUrl, max: 10 }));
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), flavor: postgresFlavor };
  }
  const { default: SqliteDatabase } = await import('better-sqlite3');
  mkdirSync(options.dataDir, { recursive: true });
  const sqlite = new SqliteDatabase(join(options.dataDir, 'slipway.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (or a second store on the same file) may hold the write lock briefly.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }), flavor: sqliteFlavor };
}
