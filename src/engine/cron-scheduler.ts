import { Cron } from 'croner';
import type { Logger } from 'pino';
import { errorMessage, redact } from '../domain/index.js';
import type { JobSpec, OperationContext, Runtime, ServiceTarget } from '../runtime/runtime.js';
import type { JobRunStatus, JobRunStore, ServiceStore } from '../store/store.js';
import type { EventBus } from './events.js';

/**
 * Slipway's scheduler of cron jobs on a runtime that does not run schedules itself (docker;
 * docs/runtimes.md): a deployed cron job's schedule (cron syntax, with an optional seconds field)
 * starts a one-off run at each tick.
 * Runs never overlap: a tick that comes while the previous run is still going is skipped, in
 * this process and — through the store — across processes sharing a database, which also
 * record each tick at most once. Each run is recorded with its exit code and its output.
 */

export interface ScheduledJob {
  /** Where the job's runs go: its environment and service on the runtime. */
  target: ServiceTarget;
  runtime: Runtime;
  /** Cron syntax, as the service declares it. */
  schedule: string | undefined;
  /** The run's spec; `image` is resolved at the first tick when given as a reference to pull. */
  spec: Omit<JobSpec, 'runId' | 'image'>;
  image: string | { name: string; tag: string };
  /** Values to keep out of the run's log. */
  secrets: readonly string[];
  /** The spec hash the deploy recorded: a tick runs only while the store still says so. */
  specHash: string;
  /** Retries of a failed run, for a runtime that runs the schedule itself. */
  maxRestarts: number;
}

interface Entry {
  job: ScheduledJob;
  cron: Cron;
  running: Promise<void> | null;
  kill: AbortController;
}

export class CronScheduler {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: Pick<ServiceStore, 'getService'> & JobRunStore,
    private readonly logger: Logger,
    /** Where a run's start and end are told (the console shows a cron job's last run). */
    private readonly events?: Pick<EventBus, 'publish'>,
  ) {}

  /** Installs (or replaces) the schedule of a cron job. Throws on a schedule croner refuses. */
  install(job: ScheduledJob): void {
    const schedule = job.schedule;
    if (!schedule) throw new Error(`cron job ${job.target.serviceName} has no schedule`);
    this.suspend(job.target.serviceId);
    const entry: Entry = {
      job,
      running: null,
      kill: new AbortController(),
      cron: new Cron(schedule, { catch: (error: unknown) => this.logger.error({ err: error, serviceId: job.target.serviceId }, 'cron tick failed') }, () => {
        // No overlapping runs: a tick while the previous run goes on is skipped.
        if (entry.running) return;
        entry.running = this.tick(entry).finally(() => {
          entry.running = null;
        });
      }),
    };
    this.entries.set(job.target.serviceId, entry);
  }

  /** Stops the schedule of a cron job (Stop, Delete); a run going on may finish. */
  suspend(serviceId: string): void {
    const entry = this.entries.get(serviceId);
    if (!entry) return;
    entry.cron.stop();
    this.entries.delete(serviceId);
  }

  isInstalled(serviceId: string): boolean {
    return this.entries.has(serviceId);
  }

  /** The spec hash of the schedule installed for a cron job, if any. */
  installedSpecHash(serviceId: string): string | undefined {
    return this.entries.get(serviceId)?.job.specHash;
  }

  /** When the schedule fires next, or null. */
  nextRun(serviceId: string): Date | null {
    return this.entries.get(serviceId)?.cron.nextRun() ?? null;
  }

  /** Stops every schedule, kills the runs going on (nobody would record their end) and waits for them. */
  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      entry.cron.stop();
      entry.kill.abort();
    }
    await Promise.all(entries.map((e) => e.running));
  }

  private async tick(entry: Entry): Promise<void> {
    const { job } = entry;
    // Another process sharing the database may have stopped or redeployed the job since this
    // schedule was installed: the store says whether this schedule is still the current one.
    const current = await this.store.getService(job.target.serviceId);
    if (!current || (current.status !== 'DEPLOYED' && current.status !== 'RESTARTED')) {
      if (this.entries.get(job.target.serviceId) === entry) this.suspend(job.target.serviceId);
      return;
    }
    if (current.deployedSpecHash !== job.specHash) return;
    // Every process computes the same tick time, so the store records the tick once.
    const scheduledFor = new Date(Math.round(Date.now() / 1000) * 1000).toISOString();
    const staleBefore = new Date(Date.now() - (job.spec.maxDurationSeconds + 60) * 1000).toISOString();
    const run = await this.store.startJobRun({
      serviceId: job.target.serviceId,
      environmentId: job.target.environmentId,
      scheduledFor,
      version: job.spec.version,
      staleBefore,
    });
    if (!run) return;
    const told = (status: JobRunStatus): void => {
      const { projectId, environmentId, serviceId } = job.target;
      this.events?.publish({ type: 'job.run', projectId, environmentId, serviceId, runId: run.id, status });
    };
    told('RUNNING');
    let writes: Promise<unknown> = Promise.resolve();
    const op: OperationContext = {
      signal: entry.kill.signal,
      log: (level, message) => {
        const line = { ts: new Date().toISOString(), level, message: redact(message, job.secrets) };
        writes = writes.then(() => this.store.appendJobRunLog(run.id, line)).catch(() => undefined);
      },
    };
    try {
      if (typeof job.image !== 'string') job.image = await job.runtime.resolveImage(job.image, op);
      const result = await job.runtime.runJob(job.target, { ...job.spec, image: job.image, runId: run.id.slice(0, 8) }, op);
      await writes;
      const ok = result.outcome === 'exited' && result.exitCode === 0;
      const message =
        result.outcome === 'timed-out'
          ? `did not end within maxDurationSeconds (${job.spec.maxDurationSeconds} s)`
          : result.outcome === 'killed'
            ? 'killed: the control plane stopped'
            : `exited with code ${result.exitCode}`;
      await this.store.finishJobRun(run.id, { status: ok ? 'SUCCEEDED' : 'FAILED', exitCode: result.exitCode, message });
      told(ok ? 'SUCCEEDED' : 'FAILED');
    } catch (error) {
      await writes;
      const message = errorMessage(error);
      await this.store.appendJobRunLog(run.id, { ts: new Date().toISOString(), level: 'error', message: redact(message, job.secrets) }).catch(() => undefined);
      await this.store.finishJobRun(run.id, { status: 'FAILED', exitCode: null, message: redact(message, job.secrets) });
      told('FAILED');
    }
  }
}
