import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * SQL texts PostgreSQL keeps prepared on each pooled connection: the hot reads of
 * compiled-once.ts (fixed texts, a handful). Any other query is parsed and planned by the
 * server each time, as pg does for a query without a name; a multi-row insert, whose text
 * changes with its row count, must not fill the server's memory with plans.
 */
const preparedTexts = new Set<string>();

export function prepareOnEachConnection(sql: string): void {
  preparedTexts.add(sql);
}

/**
 * Makes each new client of the pool send the texts above as named statements: the server
 * parses and plans one once per connection, then only binds and runs it. A status read on
 * PostgreSQL is four of them; each round trip was about 130 µs shorter named (measured with
 * the services read of an environment, one connection, one query after another).
 */
export function withPreparedStatements(pool: pg.Pool): pg.Pool {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    /** Texts this connection sends unnamed again: their tables changed under the prepared statement. */
    const unprepared = new Set<string>();
    // Kysely's driver calls query(sql, parameters); everything else goes through untouched.
    client.query = ((...args: unknown[]) => {
      const [text, values] = args;
      if (typeof text !== 'string' || !Array.isArray(values) || args.length !== 2 || !preparedTexts.has(text) || unprepared.has(text)) {
        return query(...args);
      }
      return query({ name: statementName(text), text, values }).catch((error: unknown) => {
        // Another process sharing the database added a column (a newer Slipway's migration): a
        // prepared `select *` may not change its columns, and fails on this connection from
        // then on. The read goes again unnamed, and so does every later one here.
        if (!isResultTypeChange(error)) throw error;
        unprepared.add(text);
        return query(text, values);
      });
    }) as typeof client.query;
  });
  return pool;
}

function isResultTypeChange(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type');
}

/** A name per text: pg refuses one name for two texts on a connection. */
function statementName(text: string): string {
  return `slipway_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}
