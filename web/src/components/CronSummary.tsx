import type { JobRun, Service } from '../api/types.js';
import { formatTime, relativeTime } from '../format.js';
import { StatusBadge } from './StatusBadge.js';

/** A cron job runs on its schedule: between runs nothing runs, and "Stopped" would say the wrong thing. */
export function isCronJob(service: Service): boolean {
  return service.type === 'job' && 'jobType' in service.source && service.source.jobType === 'cron';
}

function scheduleOf(service: Service): string | null {
  return 'schedule' in service.source && typeof service.source.schedule === 'string' ? service.source.schedule : null;
}

/** A cron job's schedule and its last run (when, how it ended, its exit code), in place of a running status. */
export function CronSummary({ service, lastRun, now }: { service: Service; lastRun: JobRun | undefined; now: number }) {
  const schedule = scheduleOf(service);
  return (
    <span className="cron-summary" data-testid="cron-summary">
      <span data-testid="cron-schedule">
        {schedule ? (
          <>
            Runs <code>{schedule}</code>
          </>
        ) : (
          <span className="muted">no schedule</span>
        )}
      </span>
      <span className="cron-last-run muted" data-testid="cron-last-run">
        {lastRun ? (
          <>
            Last run{' '}
            <time dateTime={lastRun.startedAt} title={formatTime(lastRun.startedAt)}>
              {relativeTime(lastRun.startedAt, now)}
            </time>{' '}
            <StatusBadge status={lastRun.status} kind="run" />
            {lastRun.exitCode !== null ? <span className="muted"> exit {lastRun.exitCode}</span> : null}
          </>
        ) : (
          <span className="muted">no run yet</span>
        )}
      </span>
    </span>
  );
}
