import { useEffect, useRef, useState } from 'react';
import { API_BASE } from '../api/client.js';
import { openSse } from '../api/sse.js';
import type { DeploymentDetail, LogLine, Step } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { RollbackButton } from '../components/RollbackPanel.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { useEvents, useThrottled } from '../events.js';
import { formatDuration, formatTime, shortVersion } from '../format.js';
import { Link } from '../router.js';
import { can, useSession } from '../session.js';
import { actionName } from '../status.js';
import { durationOf } from './EnvironmentPage.js';

const MAX_LINES = 5000;

function isRunning(status: string): boolean {
  return status === 'QUEUED' || status === 'RUNNING';
}

/** One deployment: its stages, services and steps as a timeline, and its logs followed live. */
export function DeploymentPage({ id }: { id: string }) {
  const { client, role } = useSession();
  const { data, error, reload } = useLoad<DeploymentDetail>(() => client.deployment(id), [client, id]);
  const reloadSoon = useThrottled(() => void reload(), 500);
  const [now, setNow] = useState(Date.now());

  useEvents((event) => {
    if (!event) return reloadSoon();
    if ('deploymentId' in event && event.deploymentId === id) reloadSoon();
    else if (data && event.environmentId === data.environmentId && event.type === 'service.status') reloadSoon();
  });

  const running = data ? isRunning(data.status) : false;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);

  useEffect(() => {
    if (data) document.title = `${actionName(data.action)} · deployment · Slipway`;
  }, [data]);

  if (error && !data) return <ErrorNote error={error} />;
  if (!data) return <Loading what="the deployment" />;

  const start = new Date(data.startedAt ?? data.createdAt).getTime();
  const end = data.endedAt ? new Date(data.endedAt).getTime() : now;
  const span = Math.max(1000, end - start);
  const names: Record<string, string> = {};
  for (const stage of data.stages) for (const s of stage.services) names[s.serviceId] = s.name;

  return (
    <section aria-labelledby="deployment-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <Link href={`/environments/${data.environmentId}`}>Environment</Link>{' '}
        <span aria-hidden="true">/</span> <span>Deployment</span>
      </nav>
      <div className="page-head">
        <div>
          <h1 id="deployment-title">
            {actionName(data.action)} <span className="muted">({data.level})</span>
          </h1>
          <p className="muted">
            by {data.triggeredBy} via {data.origin.toLowerCase()} · created {formatTime(data.createdAt)} · started {formatTime(data.startedAt)} · ended{' '}
            {formatTime(data.endedAt)} · {formatDuration(durationOf(data, now))}
          </p>
          {data.rollbackOf ? (
            <p data-testid="rollback-of">
              Rollback to <Link href={`/deployments/${data.rollbackOf}`}>deployment {data.rollbackOf.slice(0, 8)}</Link>
            </p>
          ) : null}
          {data.message ? <p className="row-note">{data.message}</p> : null}
        </div>
        <div className="head-badges" data-testid="deployment-status">
          <StatusBadge status={data.status} kind="run" label="Deployment" />
          {data.status === 'SUCCESS' && can(role, 'deployer') ? <RollbackButton deployment={data} /> : null}
        </div>
      </div>

      <h2>Timeline</h2>
      {data.stages.length === 0 ? <p className="muted">No stage ran{data.status === 'QUEUED' ? ' yet: the request is waiting' : ''}.</p> : null}
      <ol className="timeline" aria-label="Stages">
        {data.stages.map((stage) => (
          <li key={`${stage.order}-${stage.name}`} className="stage">
            <div className="stage-head">
              <h3>Stage {stage.name}</h3>
              <StatusBadge status={stage.status} kind="run" />
            </div>
            <ul className="stage-services">
              {stage.services.map((s) => (
                <li key={s.serviceId} className="stage-service" data-service={s.name}>
                  <div className="stage-service-head">
                    <strong>{s.name}</strong> <span className="muted">{s.type}</span> <code>{shortVersion(s.version)}</code>
                    <StatusBadge status={s.status} />
                  </div>
                  <ul className="steps">
                    {s.steps.map((step, i) => (
                      <StepRow key={`${step.name}-${i}`} step={step} start={start} span={span} now={now} />
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>

      <Logs deploymentId={id} names={names} headers={client.headers()} />
    </section>
  );
}

function StepRow({ step, start, span, now }: { step: Step; start: number; span: number; now: number }) {
  const begin = step.startedAt ? new Date(step.startedAt).getTime() : start;
  const duration = step.durationMs ?? (step.status === 'RUNNING' ? now - begin : 0);
  const left = Math.min(100, Math.max(0, ((begin - start) / span) * 100));
  const width = Math.max(0.8, Math.min(100 - left, (duration / span) * 100));
  return (
    <li className="step" data-step={step.name}>
      <span className="step-name">{step.name}</span>
      <span className="step-track" aria-hidden="true">
        <span className={`step-bar tone-bar-${step.status.toLowerCase()}`} style={{ left: `${left}%`, width: `${width}%` }} />
      </span>
      <span className="step-meta">
        <StatusBadge status={step.status} kind="run" /> {formatDuration(duration)}
        {step.message ? <span className="muted"> · {step.message}</span> : null}
      </span>
    </li>
  );
}

/** The deployment's log, streamed with follow=true: past lines first, then live ones until `end`. */
function Logs({ deploymentId, names, headers }: { deploymentId: string; names: Record<string, string>; headers: Record<string, string> }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState<'connecting' | 'following' | 'ended'>('connecting');
  const [endStatus, setEndStatus] = useState<string | null>(null);
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const headersRef = useRef(headers);

  useEffect(() => {
    setLines([]);
    setState('connecting');
    return openSse(`${API_BASE}/deployments/${deploymentId}/logs?follow=true`, {
      headers: headersRef.current,
      endEvent: 'end',
      onState: (open) => setState((s) => (s === 'ended' ? s : open ? 'following' : 'connecting')),
      onMessage: (m) => {
        if (m.event === 'log') {
          const line = JSON.parse(m.data) as LogLine;
          setLines((list) => (list.some((l) => l.seq === line.seq) ? list : [...list, line].slice(-MAX_LINES)));
        } else if (m.event === 'end') {
          setEndStatus((JSON.parse(m.data) as { status: string | null }).status);
          setState('ended');
        }
      },
      onEnd: () => setState('ended'),
    });
  }, [deploymentId]);

  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <section aria-labelledby="logs-title" className="logs-section">
      <div className="logs-head">
        <h2 id="logs-title">Logs</h2>
        <span className="muted" role="status" data-testid="log-state">
          {state === 'following' ? '● following live' : state === 'connecting' ? 'connecting…' : `ended${endStatus ? `: ${endStatus}` : ''}`}
        </span>
      </div>
      <pre
        ref={box}
        className="logs"
        tabIndex={0}
        aria-label="Deployment log"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {lines.length === 0 ? <span className="muted">{state === 'ended' ? 'No log line.' : 'Waiting for log lines…'}</span> : null}
        {lines.map((l) => (
          <span key={l.seq} className={`log-line log-${l.level}`}>
            <span className="log-ts">{new Date(l.ts).toLocaleTimeString()}</span>{' '}
            {l.serviceId ? <span className="log-svc">[{names[l.serviceId] ?? l.serviceId.slice(0, 8)}]</span> : null}{' '}
            {l.step ? <span className="log-step">{l.step}</span> : null} {l.message}
            {'\n'}
          </span>
        ))}
      </pre>
    </section>
  );
}
