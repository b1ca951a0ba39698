import type { LogLevel, StepName } from '../domain/index.js';
import { compiledPerShape, rowsOf } from './compiled-once.js';
import type { StoreContext } from './context.js';
import { toNumber } from './dialect.js';
import type { LogLine } from './store.js';

/** Deployment logs; the autoincrement id is the line's seq, so a follower resumes after it. */
export class LogsRepository {
  constructor(private readonly ctx: StoreContext) {}

  async appendLog(deploymentId: string, line: Omit<LogLine, 'seq'>): Promise<void> {
    await this.appendLogs(deploymentId, [line]);
  }

  /** Lines in one statement, numbered in this order. */
  async appendLogs(deploymentId: string, lines: ReadonlyArray<Omit<LogLine, 'seq'>>): Promise<void> {
    if (lines.length === 0) return;
    await insertLogLines(
      this.ctx,
      lines.flatMap((line) => [deploymentId, line.ts, line.serviceId, line.step, line.level, line.message]),
    );
  }

  /** Lines after `afterSeq` (default: from the start), ascending, at most `limit` (default: all). */
  async readLogs(deploymentId: string, afterSeq = 0, limit?: number): Promise<LogLine[]> {
    let query = this.ctx.db
      .selectFrom('deployment_logs')
      .selectAll()
      .where('deployment_id', '=', deploymentId)
      .where('id', '>', afterSeq)
      .orderBy('id');
    if (limit !== undefined) query = query.limit(Math.max(0, Math.floor(limit)));
    const rows = await query.execute();
    return rows.map((r) => ({
      seq: toNumber(r.id),
      ts: r.ts,
      serviceId: r.service_id,
      step: r.step as StepName | null,
      level: r.level as LogLevel,
      message: r.message,
    }));
  }
}

/** Every engine step writes log lines: built and compiled once per line count. */
const insertLogLines = compiledPerShape((db, slots) =>
  db.insertInto('deployment_logs').values(rowsOf(slots, 6).map(([deployment_id, ts, service_id, step, level, message]) => ({ deployment_id, ts, service_id, step, level, message }))),
);
