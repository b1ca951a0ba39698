import SqliteDatabase from 'better-sqlite3';
import type { CallTimes } from './call-times.js';

/** `sqlite select services`, `sqlite update deployments`, … from a statement's SQL. */
function statementName(sql: string): string {
  const text = sql.trim().replace(/\s+/g, ' ');
  const verb = /^(\w+)/.exec(text)?.[1]?.toLowerCase() ?? '?';
  const table =
    /^insert into "?(\w+)/i.exec(text)?.[1] ??
    /^update "?(\w+)/i.exec(text)?.[1] ??
    /^delete from "?(\w+)/i.exec(text)?.[1] ??
    /\bfrom "?(\w+)/i.exec(text)?.[1] ??
    '';
  return `sqlite ${verb} ${table}`.trim();
}

let installed = false;
/** Where statements are recorded: the CallTimes of the latest benchEngine (they run one after another). */
let current: CallTimes | null = null;

/**
 * Times every SQLite statement this process runs through better-sqlite3 while
 * `times.enabled`: preparing (`sqlite prepare`) and running (`sqlite <verb> <table>`).
 * better-sqlite3 is synchronous, so these durations are real time on the event loop and add
 * up, unlike the busy time of overlapping async calls. Installed once per process; a later
 * call only moves the recording to its `times`.
 */
export function timeSqliteStatements(times: CallTimes): void {
  current = times;
  if (installed) return;
  installed = true;
  type Statement = Record<'all' | 'get' | 'run' | 'iterate', (...args: unknown[]) => unknown>;
  // The prototype's prepare is what Kysely's SqliteDriver calls for every query.
  const proto = SqliteDatabase.prototype as unknown as { prepare(this: unknown, sql: string): Statement };
  const prepare = proto.prepare;
  proto.prepare = function prepareTimed(this: unknown, sql: string): Statement {
    const times = current;
    if (!times?.enabled) return prepare.call(this, sql);
    const start = performance.now();
    const statement = prepare.call(this, sql);
    times.record('sqlite prepare (every query)', performance.now() - start);
    const name = statementName(sql);
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const original = statement[method];
      statement[method] = (...args: unknown[]): unknown => {
        const begin = performance.now();
        try {
          return original.apply(statement, args);
        } finally {
          times.record(name, performance.now() - begin);
        }
      };
    }
    return statement;
  };
}
