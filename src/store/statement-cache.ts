import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; most queries are a few dozen shapes, bulk inserts vary by row count. */
const MAX_STATEMENTS = 256;

/**
 * The SQLite database as Kysely's driver sees it, with each SQL text prepared once: the driver
 * prepares every query it runs, and preparing costs about as much as running a small one.
 * Least recently used statements are let go past MAX_STATEMENTS. A statement still busy (an
 * iteration under way) is not handed out again: a fresh one is prepared for that call.
 */
export function withStatementCache(sqlite: SqliteDatabase, max = MAX_STATEMENTS): KyselySqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare(sql: string): Statement {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Map order is insertion order: moving it to the end keeps the least recent first.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      if (!cached) {
        statements.set(sql, statement);
        if (statements.size > max) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
  };
}
