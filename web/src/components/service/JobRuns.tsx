import { useState } from 'react';
import type { JobRun, JobRunLogLine } from '../../api/types.js';
import { formatTime } from '../../format.js';
import { useSession } from '../../session.js';
import { ErrorNote, Loading, useLoad } from '../Async.js';
import { StatusBadge } from '../StatusBadge.js';

function RunLogs({ runId }: { runId: string }) {
  const { client } = useSession();
  const { data, error } = useLoad<JobRunLogLine[]>(() => client.jobRunLogs(runId), [client, runId]);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="the run's output" />;
  if (data.length === 0) return <p className="muted">The run printed nothing.</p>;
  return (
    <div className="logs" role="log" aria-label="Run output" tabIndex={0}>
      {data.map((l) => (
        <div key={l.seq} className={l.level === 'error' ? 'log-line stderr' : 'log-line'}>
          <time dateTime={l.ts} className="log-ts">
            {l.ts.slice(11, 23)}
          </time>{' '}
          {l.message}
        </div>
      ))}
    </div>
  );
}

/** A cron job's runs, newest first; each opens to its output. */
export function JobRuns({ runs }: { runs: readonly JobRun[] }) {
  const [open, setOpen] = useState<string | null>(null);
  if (runs.length === 0) return <p className="muted">No run yet.</p>;
  return (
    <ul className="job-runs">
      {runs.map((r) => (
        <li key={r.id} data-testid="job-run">
          <button type="button" className="link-button" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)}>
            {formatTime(r.scheduledFor)}
          </button>{' '}
          <StatusBadge status={r.status} kind="run" />
          {r.exitCode !== null ? <span className="muted"> exit {r.exitCode}</span> : null}
          {r.message ? <span className="muted"> · {r.message}</span> : null}
          {open === r.id ? <RunLogs runId={r.id} /> : null}
        </li>
      ))}
    </ul>
  );
}
