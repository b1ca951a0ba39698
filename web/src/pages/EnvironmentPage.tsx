import { useEffect, useState } from 'react';
import { ApiRequestError } from '../api/client.js';
import type { Deployment, Environment, JobRun, Project, Queue, Service } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { CronSummary, isCronJob } from '../components/CronSummary.js';
import { DeployLatestPanel } from '../components/DeployLatestPanel.js';
import { PendingBadge } from '../components/PendingBadge.js';
import { PlayMenu, describeAccepted } from '../components/PlayMenu.js';
import { useShownEnvironment, watchRequest } from '../components/RequestOutcomes.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { useToast } from '../components/Toasts.js';
import { VersionsPanel } from '../components/VersionsPanel.js';
import { EnvironmentVariables } from '../components/variables/EnvironmentVariables.js';
import { useEvents, useThrottled } from '../events.js';
import { formatDuration, formatTime, relativeTime, shortVersion } from '../format.js';
import { Link, navigate } from '../router.js';
import { can, useSession } from '../session.js';
import { actionName } from '../status.js';
import { deploymentSubject } from '../deployment-subject.js';

interface EnvironmentData {
  environment: Environment;
  project: Project;
  services: Service[];
  lastDeployment: Record<string, Deployment | undefined>;
  /** Cron jobs' last runs, by service id. */
  lastRun: Record<string, JobRun | undefined>;
  queue: Queue;
  history: Deployment[];
}

/** Re-renders every `ms` so that "2 min ago" stays true. */
function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** A service deleted between the list and this read (its Delete just finished) has nothing to show: the next reload drops it. */
async function unlessDeleted<T>(read: Promise<T[]>): Promise<T[]> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof ApiRequestError && err.status === 404) return [];
    throw err;
  }
}

export function durationOf(d: Pick<Deployment, 'startedAt' | 'endedAt'>, now = Date.now()): number | null {
  if (!d.startedAt) return null;
  return (d.endedAt ? new Date(d.endedAt).getTime() : now) - new Date(d.startedAt).getTime();
}

export function EnvironmentPage({ id }: { id: string }) {
  const { client, role } = useSession();
  const toast = useToast();
  const now = useNow(15_000);
  const [versionsFor, setVersionsFor] = useState<Service | null>(null);
  const [latestOpen, setLatestOpen] = useState(false);
  const [cancelAsk, setCancelAsk] = useState(false);
  const [cancelBusy, setCancelBusy] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);

  const { data, setData, error, reload } = useLoad<EnvironmentData>(async () => {
    const environment = await client.environment(id);
    const [project, services, queue, history] = await Promise.all([
      client.project(environment.projectId),
      client.services(id),
      client.queue(id),
      client.environmentDeployments(id, 15),
    ]);
    const live = services.filter((s) => s.state !== 'DELETED');
    const last = await Promise.all(live.map(async (s) => [s.id, (await unlessDeleted(client.serviceDeployments(s.id, 1)))[0]] as const));
    const runs = await Promise.all(live.filter(isCronJob).map(async (s) => [s.id, (await unlessDeleted(client.jobRuns(s.id, 1)))[0]] as const));
    return { environment, project, services: live, lastDeployment: Object.fromEntries(last), lastRun: Object.fromEntries(runs), queue, history };
  }, [client, id]);
  const reloadSoon = useThrottled(() => void reload(), 400);
  useShownEnvironment(id);

  useEffect(() => {
    if (data) document.title = `${data.environment.name} · ${data.project.name} · Slipway`;
  }, [data]);

  useEvents((event) => {
    if (!event) return reloadSoon();
    if (event.environmentId !== id) return;
    if (event.type === 'service.status') {
      setData((d) =>
        d ? { ...d, services: d.services.map((s) => (s.id === event.serviceId ? { ...s, state: event.status, statusMessage: event.message } : s)) } : d,
      );
      reloadSoon();
    } else if (event.type === 'service.running') {
      setData((d) => (d ? { ...d, services: d.services.map((s) => (s.id === event.serviceId ? { ...s, runningState: event.runningState } : s)) } : d));
    } else if (event.type === 'environment.status') {
      setData((d) => (d ? { ...d, environment: { ...d.environment, state: event.status, runningState: event.runningStatus } } : d));
    } else if (event.type === 'deployment.status' || event.type === 'queue.changed' || event.type === 'job.run') {
      reloadSoon();
    }
  });

  // Deleted while shown (its Delete finished here or elsewhere): back to its project.
  const gone = error instanceof ApiRequestError && error.status === 404 && data !== null;
  useEffect(() => {
    if (!gone || !data) return;
    toast(`Environment ${data.environment.name} was deleted`);
    navigate(`/#p-${data.environment.projectId}`, { replace: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, when it is gone
  }, [gone]);

  if (error && !data) return <ErrorNote error={error} />;
  if (!data) return <Loading what="the environment" />;
  const { environment, project, services, queue, history } = data;
  const envTarget = { level: 'environment' as const, id: environment.id, name: environment.name, environmentId: environment.id };
  const running = queue.running;

  const cancel = async () => {
    setCancelBusy(true);
    setCancelError(null);
    try {
      const result = await client.act('environments', environment.id, 'cancel', {});
      watchRequest(result.deploymentId);
      toast(describeAccepted('CANCEL', environment.name, result));
      setCancelAsk(false);
    } catch (err) {
      setCancelError(err instanceof ApiRequestError ? `${err.code}: ${err.message}` : String(err));
    } finally {
      setCancelBusy(false);
    }
  };

  const removeWaiting = async (requestId: string) => {
    try {
      await client.removeWaiting(requestId);
      toast('Waiting request removed');
      void reload();
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), 'error');
    }
  };

  return (
    <section aria-labelledby="env-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <span>{project.name}</span>
      </nav>
      <div className="page-head">
        <div>
          <h1 id="env-title">{environment.name}</h1>
          <p className="muted">
            {project.name} · {environment.runtime} · max {environment.settings.maxParallelBuilds} parallel builds, {environment.settings.maxParallelDeploys} parallel deploys
            {can(role, 'admin') ? (
              <>
                {' · '}
                <Link className="small-link" href={`/environments/${environment.id}/edit`} aria-label={`Edit environment ${environment.name}`}>
                  Edit
                </Link>
              </>
            ) : null}
          </p>
        </div>
        <div className="head-badges" data-testid="environment-status">
          <StatusBadge status={environment.state} label="Deployment status" />
          <StatusBadge status={environment.runningState} kind="running" label="Running status" />
        </div>
        <div className="head-actions">
          {running && can(role, 'deployer') ? (
            <button type="button" className="danger" onClick={() => setCancelAsk(true)}>
              Cancel running {actionName(running.action).toLowerCase()}
            </button>
          ) : null}
          {can(role, 'deployer') ? (
            <button type="button" onClick={() => setLatestOpen(true)}>
              Deploy latest version…
            </button>
          ) : null}
          {can(role, 'admin') ? (
            <Link className="button" href={`/environments/${environment.id}/clone`}>
              Clone
            </Link>
          ) : null}
          {can(role, 'admin') ? (
            <Link className="button" href={`/environments/${environment.id}/services/new`}>
              New service
            </Link>
          ) : null}
          <PlayMenu target={envTarget} onDeployLatest={() => setLatestOpen(true)} />
        </div>
      </div>
      <ErrorNote error={error} />

      <h2 id="services-title">Services</h2>
      {services.length === 0 ? <p className="muted">No service yet.</p> : null}
      {services.length > 0 ? (
        <div className="table-wrap">
          <table className="table services" aria-labelledby="services-title">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Version</th>
                <th scope="col">Deployment</th>
                <th scope="col">Running</th>
                <th scope="col">Last deployment</th>
                <th scope="col">Endpoints</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {services.map((s) => {
                const last = data.lastDeployment[s.id];
                return (
                  <tr key={s.id} data-service={s.name}>
                    <th scope="row" data-label="Name">
                      <Link className="service-name" href={`/services/${s.id}`}>
                        {s.name}
                      </Link>
                      {s.statusMessage && s.state.endsWith('ERROR') ? <span className="row-note">{s.statusMessage}</span> : null}
                      {can(role, 'admin') ? (
                        <Link className="small-link" href={`/services/${s.id}/edit`} aria-label={`Edit ${s.name}`}>
                          Edit
                        </Link>
                      ) : null}
                    </th>
                    <td data-label="Type">{s.type}</td>
                    <td data-label="Version" className="version-cell">
                      <code data-testid="deployed-version">{shortVersion(s.deployedVersion)}</code>
                      {s.targetVersion && s.targetVersion !== s.deployedVersion ? (
                        <span className="muted"> → {shortVersion(s.targetVersion)}</span>
                      ) : null}
                    </td>
                    <td data-label="Deployment" data-testid="service-status">
                      <StatusBadge status={s.state} label="Deployment status" />
                      <PendingBadge service={s} />
                    </td>
                    <td data-label="Running" data-testid="running-status">
                      {isCronJob(s) ? (
                        <CronSummary service={s} lastRun={data.lastRun[s.id]} now={now} />
                      ) : (
                        <StatusBadge status={s.runningState.status} kind="running" label="Running status" />
                      )}
                    </td>
                    <td data-label="Last deployment">
                      {last ? (
                        <>
                          <Link href={`/deployments/${last.id}`}>
                            <time dateTime={last.createdAt} title={formatTime(last.createdAt)}>
                              {relativeTime(last.createdAt, now)}
                            </time>
                          </Link>
                          <span className="muted"> by {last.triggeredBy}</span>
                        </>
                      ) : (
                        <span className="muted">never</span>
                      )}
                    </td>
                    <td data-label="Endpoints">
                      {s.endpoints.length === 0 ? <span className="muted">—</span> : null}
                      {s.endpoints.map((e) => (
                        <a key={e.url} href={e.url} target="_blank" rel="noreferrer" className="endpoint">
                          {e.url}
                        </a>
                      ))}
                    </td>
                    <td className="actions-cell">
                      <PlayMenu
                        target={{ level: 'service', id: s.id, name: s.name, environmentId: environment.id }}
                        onDeployVersion={() => setVersionsFor(s)}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}

      <div className="two-col">
        <section aria-labelledby="queue-title" className="card">
          <h2 id="queue-title">Queue</h2>
          {running ? (
            <p>
              Running: <Link href={`/deployments/${running.id}`}>{actionName(running.action)}</Link> {deploymentSubject(running)} by {running.triggeredBy}{' '}
              <StatusBadge status={running.status} kind="run" />
            </p>
          ) : (
            <p className="muted">Nothing is running.</p>
          )}
          {queue.items.length === 0 ? (
            <p className="muted">No request is waiting.</p>
          ) : (
            <ol className="queue-list">
              {queue.items.map((item) => (
                <li key={item.id} data-request={item.id}>
                  <span>
                    #{item.position} {actionName(item.action)} {deploymentSubject(item)} by {item.triggeredBy}
                  </span>
                  {can(role, 'deployer') ? (
                    <button type="button" className="small" onClick={() => void removeWaiting(item.id)} aria-label={`Remove waiting request ${item.position}`}>
                      Remove
                    </button>
                  ) : null}
                </li>
              ))}
            </ol>
          )}
        </section>

        <section aria-labelledby="history-title" className="card">
          <h2 id="history-title">Deployment history</h2>
          {history.length === 0 ? <p className="muted">No deployment yet.</p> : null}
          <ul className="history-list">
            {history.map((d) => (
              <li key={d.id} data-deployment={d.id}>
                <Link href={`/deployments/${d.id}`} className="history-link">
                  {actionName(d.action)} {deploymentSubject(d)}
                  {Object.values(d.versions).length > 0 ? ` → ${Object.values(d.versions).map(shortVersion).join(', ')}` : ''}
                </Link>
                <StatusBadge status={d.status} kind="run" />
                <span className="muted history-meta">
                  {relativeTime(d.createdAt, now)} by {d.triggeredBy} ({d.origin.toLowerCase()}) · {formatDuration(durationOf(d, now))}
                </span>
              </li>
            ))}
          </ul>
        </section>
      </div>

      <EnvironmentVariables environmentId={environment.id} projectId={project.id} projectName={project.name} onSaved={() => void reload()} />

      {versionsFor ? <VersionsPanel service={versionsFor} onClose={() => setVersionsFor(null)} /> : null}
      {latestOpen ? <DeployLatestPanel environmentId={environment.id} environmentName={environment.name} onClose={() => setLatestOpen(false)} /> : null}
      {cancelAsk ? (
        <ConfirmDialog
          title={`Cancel the running ${actionName(running?.action ?? 'request').toLowerCase()}?`}
          message="Services already deployed by it keep their new version; a service caught mid-rollout goes back to the version it ran before."
          confirmLabel="Cancel deployment"
          danger
          busy={cancelBusy}
          error={cancelError}
          onConfirm={() => void cancel()}
          onClose={() => setCancelAsk(false)}
        />
      ) : null}
    </section>
  );
}
