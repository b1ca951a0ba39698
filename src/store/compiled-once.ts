import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import type { StoreContext } from './context.js';
import type { Database } from './database.js';
import type { SqlFlavor } from './dialect.js';
import { prepareOnEachConnection } from './prepared-statements.js';

/** Stands for a parameter while the query is compiled; never a value a caller passes. */
const SLOT = '\u0000slipway-slot-';

/** Shapes (argument counts) of one statement of many rows kept compiled; the least recently used go first. */
const MAX_SHAPES = 32;

/** A value bound to a parameter. */
export type SqlValue = string | number | null;

/** What a compiled statement runs on: the store's database (or a transaction of it) and its flavor. */
export type CompiledContext = Pick<StoreContext, 'db' | 'flavor'>;

interface Compiled<R> {
  query: CompiledQuery<R>;
  /** For each compiled parameter, the index of the argument it takes. */
  argumentAt: number[];
}

/**
 * A query Kysely builds and compiles once per SQL flavor (SQLite and PostgreSQL write it
 * differently; one process may hold stores of both, as the tests do), then runs with new
 * values on the store's database: the hot reads (a token, an environment, its services and
 * variables, on every status request) otherwise pay Kysely's query building and compiling
 * each time, which costs as much as running them on SQLite. `build` receives one placeholder
 * per argument and must pass each of them as a value (never in a raw SQL fragment); the
 * compiled parameters must be exactly those placeholders, each once, or the first call throws.
 * On PostgreSQL each is also kept prepared on every pooled connection (prepared-statements.ts).
 */
export function compiledOnce<R, A extends string[]>(build: (db: Kysely<Database>, ...slots: A) => Compilable<R>): (ctx: CompiledContext, ...args: A) => Promise<R[]> {
  const run = compiledPerShape<R>((db, slots) => build(db, ...(slots as A)), { prepareOnPostgres: true });
  return (ctx, ...args) => run(ctx, args);
}

/**
 * The same for a statement whose text grows with its input (rows of a multi-row insert, the
 * ids of an `in` list): compiled once per flavor and argument count, the last MAX_SHAPES
 * counts kept. The engine's journal writes a few such statements for every batch of services
 * that move, and building a 50-row insert took Kysely longer than SQLite took to run it.
 * `build` receives as many placeholders as the call passes arguments (rowsOf cuts them into
 * rows), and the flavor it is compiled for. Not kept prepared on PostgreSQL: a text per row
 * count would fill the server's memory with plans.
 */
export function compiledPerShape<R>(
  build: (db: Kysely<Database>, slots: readonly string[], flavor: SqlFlavor) => Compilable<R>,
  options: { prepareOnPostgres?: boolean } = {},
): (ctx: CompiledContext, args: readonly SqlValue[]) => Promise<R[]> {
  const compiled = new Map<string, Compiled<R>>();
  const compile = (db: Kysely<Database>, flavor: SqlFlavor, count: number): Compiled<R> => {
    const slots = Array.from({ length: count }, (_, i) => `${SLOT}${i}`);
    const query = build(db, slots, flavor).compile();
    if (options.prepareOnPostgres) prepareOnEachConnection(query.sql);
    const argumentAt = query.parameters.map((p) => slots.indexOf(p as string));
    if (argumentAt.length !== count || new Set(argumentAt).size !== count || argumentAt.includes(-1)) {
      throw new Error(`compiledOnce: the query's parameters are not its ${count} arguments, each once: ${query.sql}`);
    }
    return { query, argumentAt };
  };
  return async ({ db, flavor }, args) => {
    const shape = `${flavor.kind}:${args.length}`;
    let once = compiled.get(shape);
    if (once) {
      // Map order is insertion order: moved to the end, the least recently used stays first.
      compiled.delete(shape);
    } else {
      once = compile(db, flavor, args.length);
      if (compiled.size >= MAX_SHAPES) compiled.delete(compiled.keys().next().value!);
    }
    compiled.set(shape, once);
    const { query, argumentAt } = once;
    // A fresh query id, as Kysely gives each query it compiles (plugins key their state on it).
    const result = await db.executeQuery<R>({ ...query, queryId: createQueryId(), parameters: argumentAt.map((i) => args[i]) });
    return result.rows;
  };
}

/** A tuple of N strings: one row's placeholders. */
type Row<N extends number, R extends string[] = []> = R['length'] extends N ? R : Row<N, [...R, string]>;

/** The placeholders cut into rows of `width` (the columns of one inserted row). */
export function rowsOf<N extends number>(slots: readonly string[], width: N): Array<Row<N>> {
  const rows: Array<Row<N>> = [];
  for (let i = 0; i < slots.length; i += width) rows.push(slots.slice(i, i + width) as Row<N>);
  return rows;
}

/** A placeholder where the table's type wants a number (or null): it stands for the value bound later. */
export function slotAs<T>(slot: string): T {
  return slot as unknown as T;
}
