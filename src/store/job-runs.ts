import { randomUUID } from 'node:crypto';
import type { LogLevel } from '../domain/index.js';
import { nowIso, type StoreContext } from './context.js';
import { toNumber } from './dialect.js';
import type { JobRun, JobRunLogLine, JobRunStatus } from './store.js';

type Row = {
  id: string;
  service_id: string;
  environment_id: string;
  scheduled_for: string;
  version: string | null;
  status: string;
  exit_code: number | null;
  message: string | null;
  started_at: string;
  ended_at: string | null;
};

function toRun(r: Row): JobRun {
  return {
    id: r.id,
    serviceId: r.service_id,
    environmentId: r.environment_id,
    scheduledFor: r.scheduled_for,
    version: r.version,
    status: r.status as JobRunStatus,
    exitCode: r.exit_code === null ? null : toNumber(r.exit_code),
    message: r.message,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

/** Cron job runs and their output lines. */
export class JobRunsRepository {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Records a run starting for a tick; null when that tick already has a run (another process
   * took it), or when a run of the service is still RUNNING (no overlapping runs) unless it
   * started before `staleBefore` (its process died).
   */
  async startJobRun(input: { serviceId: string; environmentId: string; scheduledFor: string; version: string | null; staleBefore: string }): Promise<JobRun | null> {
    const running = await this.ctx.db
      .selectFrom('job_runs')
      .select('id')
      .where('service_id', '=', input.serviceId)
      .where('status', '=', 'RUNNING')
      .where('started_at', '>', input.staleBefore)
      .executeTakeFirst();
    if (running) return null;
    const row: Row = {
      id: randomUUID(),
      service_id: input.serviceId,
      environment_id: input.environmentId,
      scheduled_for: input.scheduledFor,
      version: input.version,
      status: 'RUNNING',
      exit_code: null,
      message: null,
      started_at: nowIso(this.ctx),
      ended_at: null,
    };
    try {
      await this.ctx.db.insertInto('job_runs').values(row).execute();
    } catch (error) {
      if (this.ctx.flavor.isUniqueViolation(error)) return null;
      throw error;
    }
    return toRun(row);
  }

  async finishJobRun(id: string, result: { status: Exclude<JobRunStatus, 'RUNNING'>; exitCode: number | null; message: string | null }): Promise<void> {
    await this.ctx.db
      .updateTable('job_runs')
      .set({ status: result.status, exit_code: result.exitCode, message: result.message, ended_at: nowIso(this.ctx) })
      .where('id', '=', id)
      .execute();
  }

  /** Newest first. */
  async listJobRuns(serviceId: string, limit = 50): Promise<JobRun[]> {
    const rows = await this.ctx.db
      .selectFrom('job_runs')
      .selectAll()
      .where('service_id', '=', serviceId)
      .orderBy('started_at', 'desc')
      .orderBy('id')
      .limit(Math.max(1, Math.floor(limit)))
      .execute();
    return rows.map(toRun);
  }

  async getJobRun(id: string): Promise<JobRun | undefined> {
    const row = await this.ctx.db.selectFrom('job_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  async appendJobRunLog(runId: string, line: { ts: string; level: LogLevel; message: string }): Promise<void> {
    await this.ctx.db.insertInto('job_run_logs').values({ run_id: runId, ts: line.ts, level: line.level, message: line.message }).execute();
  }

  async readJobRunLogs(runId: string): Promise<JobRunLogLine[]> {
    const rows = await this.ctx.db.selectFrom('job_run_logs').selectAll().where('run_id', '=', runId).orderBy('id').execute();
    return rows.map((r) => ({ seq: toNumber(r.id), ts: r.ts, level: r.level as LogLevel, message: r.message }));
  }
}
