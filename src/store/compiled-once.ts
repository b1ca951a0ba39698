import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import type { StoreContext } from './context.js';
import type { Database } from './database.js';
import type { SqlFlavor } from './dialect.js';
import { prepareOnEachConnection } from './prepared-statements.js';

/** Stands for a parameter while the query is compiled; never a value a caller passes. */
const SLOT = '\u0000slipway-slot-';

/**
 * A query Kysely builds and compiles once per SQL flavor (SQLite and PostgreSQL write it
 * differently; one process may hold stores of both, as the tests do), then runs with new
 * values on the store's database: the hot reads (a token, an environment, its services and
 * variables, on every status request) otherwise pay Kysely's query building and compiling
 * each time, which costs as much as running them on SQLite. `build` receives one placeholder
 * per argument and must pass each of them as a value (never in a raw SQL fragment); the
 * compiled parameters must be exactly those placeholders, each once, or the first call throws.
 */
export function compiledOnce<R, A extends string[]>(
  build: (db: Kysely<Database>, ...slots: A) => Compilable<R>,
): (ctx: Pick<StoreContext, 'db' | 'flavor'>, ...args: A) => Promise<R[]> {
  const compiled = new Map<SqlFlavor['kind'], { query: CompiledQuery<R>; argumentAt: number[] }>();
  const compile = (db: Kysely<Database>, count: number): { query: CompiledQuery<R>; argumentAt: number[] } => {
    const slots = Array.from({ length: count }, (_, i) => `${SLOT}${i}`) as A;
    const query = build(db, ...slots).compile();
    // On PostgreSQL, parsed and planned once per pooled connection (prepared-statements.ts).
    prepareOnEachConnection(query.sql);
    const argumentAt = query.parameters.map((p) => slots.indexOf(p as string));
    if (argumentAt.length !== count || new Set(argumentAt).size !== count || argumentAt.includes(-1)) {
      throw new Error(`compiledOnce: the query's parameters are not its ${count} arguments, each once: ${query.sql}`);
    }
    return { query, argumentAt };
  };
  return async ({ db, flavor }, ...args) => {
    let once = compiled.get(flavor.kind);
    if (!once) {
      once = compile(db, args.length);
      compiled.set(flavor.kind, once);
    }
    const { query, argumentAt } = once;
    // A fresh query id, as Kysely gives each query it compiles (plugins key their state on it).
    const result = await db.executeQuery<R>({ ...query, queryId: createQueryId(), parameters: argumentAt.map((i) => args[i]) });
    return result.rows;
  };
}
