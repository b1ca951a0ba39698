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
 * `times.enabled`: preparing (`sqlite prepare`, once per SQL text: the store keeps statements
 * prepared) and running (`sqlite <verb> <table>`). better-sqlite3 is synchronous, so these
 * durations are real time on the event loop and add up, unlike the busy time of overlapping
 * async calls. Installed once per process; a later call only moves the recording to its `times`.
 */
export function timeSqliteStatements(times: CallTimes): void {
  current = times;
  if (installed) return;
  installed = true;
  type Method = (this: { source: string }, ...args: unknown[]) => unknown;
  type Statement = Record<'all' | 'get' | 'run' | 'iterate', Method>;
  const proto = SqliteDatabase.prototype as unknown as { prepare(this: unknown, sql: string): Statement };
  const prepare = proto.prepare;
  let statementsTimed = false;
  proto.prepare = function prepareTimed(this: unknown, sql: string): Statement {
    const start = performance.now();
    const statement = prepare.call(this, sql);
    if (current?.enabled) current.record('sqlite prepare (first use of a SQL text)', performance.now() - start);
    // A statement may be prepared before timing starts and run after: its class is timed, not each statement.
    if (!statementsTimed) {
      statementsTimed = true;
      timeStatementMethods(Object.getPrototypeOf(statement) as Statement);
    }
    return statement;
  };
}

function timeStatementMethods(statementProto: Record<'all' | 'get' | 'run' | 'iterate', (this: { source: string }, ...args: unknown[]) => unknown>): void {
  for (const method of ['all', 'get', 'run', 'iterate'] as const) {
    const original = statementProto[method];
    statementProto[method] = function timed(this: { source: string }, ...args: unknown[]): unknown {
      const times = current;
      if (!times?.enabled) return original.apply(this, args);
      const begin = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        times.record(statementName(this.source), performance.now() - begin);
      }
    };
  }
}
