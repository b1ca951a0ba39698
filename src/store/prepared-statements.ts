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
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    // Kysely's driver calls query(sql, parameters); everything else goes through untouched.
    client.query = ((...args: unknown[]) => {
      const [text, values] = args;
      if (typeof text === 'string' && Array.isArray(values) && args.length === 2 && preparedTexts.has(text)) {
        return query({ name: statementName(text), text, values });
      }
      return query(...args);
    }) as typeof client.query;
  });
  return pool;
}

/** A name per text: pg refuses one name for two texts on a connection. */
function statementName(text: string): string {
  return `slipway_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}
