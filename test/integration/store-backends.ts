import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';

/**
 * The databases the store suite runs against: SQLite in a temp dir, and PostgreSQL in a
 * database created for this run and dropped afterwards, so runs never see each other's rows.
 */
export interface StoreBackend {
  readonly name: 'sqlite' | 'postgres';
  readonly dataDir: string;
  /** Moves the app clock of every store of this backend (leases expire without waiting). */
  advanceClock(ms: number): void;
  /** A new Store on the same database: on PostgreSQL, its own pool, like another process. */
  openStore(options?: { secretKey?: string }): Promise<Store>;
  /** Reads raw rows, bypassing the store (to prove what is and is not stored). */
  rawRows(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  dispose(): Promise<void>;
}

export const TEST_DATABASE_URL =
  process.env.SLIPWAY_TEST_DATABASE_URL ?? 'postgres://postgres:slipway@127.0.0.1:5432/slipway_test';

function clock(): { offset: number; now: () => Date } {
  const c = { offset: 0, now: () => new Date(Date.now() + c.offset) };
  return c;
}

export async function sqliteBackend(): Promise<StoreBackend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-store-'));
  const c = clock();
  const stores: Store[] = [];
  let raw: SqliteDatabase.Database | undefined;
  return {
    name: 'sqlite',
    dataDir,
    advanceClock: (ms) => {
      c.offset += ms;
    },
    async openStore(options = {}) {
      const store = await createStore({ dataDir, now: c.now, ...options });
      stores.push(store);
      return store;
    },
    async rawRows(sql, params = []) {
      raw ??= new SqliteDatabase(join(dataDir, 'slipway.db'), { readonly: true });
      // better-sqlite3 uses ? placeholders; the suite writes $1, $2 for both.
      return raw.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as Array<Record<string, unknown>>;
    },
    async dispose() {
      raw?.close();
      await Promise.all(stores.map((s) => s.close()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postgresBackend(): Promise<StoreBackend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-store-pg-'));
  const database = `slipway_store_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  const raw = new pg.Pool({ connectionString: url.toString(), max: 2 });
  // DROP … WITH (FORCE) at the end may still catch a closing idle client: not a failure.
  raw.on('error', () => {});
  const c = clock();
  const stores: Store[] = [];
  return {
    name: 'postgres',
    dataDir,
    advanceClock: (ms) => {
      c.offset += ms;
    },
    async openStore(options = {}) {
      const store = await createStore({ databaseUrl: url.toString(), dataDir, now: c.now, ...options });
      stores.push(store);
      return store;
    },
    async rawRows(sql, params = []) {
      return (await raw.query(sql, params)).rows as Array<Record<string, unknown>>;
    },
    async dispose() {
      await Promise.all(stores.map((s) => s.close()));
      await raw.end();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The database and the store a suite of describeOnEachBackend uses, set before its tests run. */
export interface BackendSuite {
  backend: StoreBackend;
  store: Store;
}

/** One describe per backend (SQLite, then PostgreSQL), each on its own database with a store open on it. */
export function describeOnEachBackend(title: string, body: (suite: BackendSuite) => void): void {
  for (const open of [sqliteBackend, postgresBackend]) {
    const name = open === sqliteBackend ? 'sqlite' : 'postgres';
    describe(`${title} (${name})`, () => {
      const suite = {} as BackendSuite;
      before(async () => {
        suite.backend = await open();
        suite.store = await suite.backend.openStore();
      });
      after(async () => {
        await suite.backend?.dispose();
      });
      body(suite);
    });
  }
}
