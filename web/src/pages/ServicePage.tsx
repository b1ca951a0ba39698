import { useEffect, useState } from 'react';
import type { Deployment, Environment, Instance, JobRun, Service } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { PendingBadge } from '../components/PendingBadge.js';
import { PlayMenu } from '../components/PlayMenu.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { VersionsPanel } from '../components/VersionsPanel.js';
import { DatabaseConnection } from '../components/service/DatabaseConnection.js';
import { InstancesTable } from '../components/service/InstancesTable.js';
import { JobRuns } from '../components/service/JobRuns.js';
import { LiveLogs } from '../components/service/LiveLogs.js';
import { MetricsCharts } from '../components/service/MetricsCharts.js';
import { EffectiveEnv } from '../components/variables/EffectiveEnv.js';
import { useEvents, useThrottled } from '../events.js';
import { formatTime, relativeTime, shortVersion } from '../format.js';
import { Link } from '../router.js';
import { can, useSession } from '../session.js';
import { actionName } from '../status.js';

interface ServiceData {
  service: Service;
  environment: Environment;
  deployments: Deployment[];
  runs: JobRun[];
}

/** Instances change without events (a crash, a restart): asked again this often. */
const INSTANCES_MS = 5_000;

function isCron(service: Service): boolean {
  return service.type === 'job' && 'jobType' in service.source && service.source.jobType === 'cron';
}

function isContainerDatabase(service: Service): boolean {
  return service.type === 'database' && !('mode' in service.source && service.source.mode === 'managed');
}

function useInstances(serviceId: string) {
  const { client } = useSession();
  const loaded = useLoad<Instance[]>(() => client.instances(serviceId), [client, serviceId]);
  const { reload } = loaded;
  useEffect(() => {
    const timer = setInterval(() => void reload(), INSTANCES_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return loaded;
}

function Header({ service, environment, onDeployVersion }: { service: Service; environment: Environment; onDeployVersion: () => void }) {
  const { role } = useSession();
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <Link href={`/environments/${environment.id}`}>{environment.name}</Link>{' '}
        <span aria-hidden="true">/</span> <span>{service.name}</span>
      </nav>
      <div className="page-head">
        <div>
          <h1 id="service-title">
            {service.name} <span className="muted type-label">{service.type}</span>
          </h1>
          <p className="status-line">
            <span data-testid="service-status">
              <StatusBadge status={service.state} label="Deployment status" />
            </span>{' '}
            <span data-testid="running-status">
              <StatusBadge status={service.runningState.status} kind="running" label="Running status" />
            </span>{' '}
            <PendingBadge service={service} /> <span className="muted">Version</span> <code data-testid="deployed-version">{shortVersion(service.deployedVersion)}</code>
            {service.targetVersion && service.targetVersion !== service.deployedVersion ? <span className="muted"> → {shortVersion(service.targetVersion)}</span> : null}
          </p>
          {service.statusMessage && service.state.endsWith('ERROR') ? <p className="row-note">{service.statusMessage}</p> : null}
          {isCron(service) && 'schedule' in service.source && service.source.schedule ? (
            <p className="muted">
              Runs on the schedule <code>{String(service.source.schedule)}</code>
            </p>
          ) : null}
          {service.endpoints.length > 0 ? (
            <p className="endpoints">
              {service.endpoints.map((e) => (
                <span key={e.url}>
                  <a href={e.url} target="_blank" rel="noreferrer" className="endpoint">
                    {e.url}
                  </a>
                  {e.tls ? (
                    <span className={`tls tls-${e.tls.status.toLowerCase()}`} title={e.tls.reason ?? (e.tls.notAfter ? `valid until ${e.tls.notAfter}` : undefined)}>
                      {e.tls.status === 'ISSUED' ? ' · certificate issued' : e.tls.status === 'PENDING' ? ' · certificate pending' : ` · certificate error: ${e.tls.reason ?? 'unknown'}`}
                    </span>
                  ) : null}
                </span>
              ))}
            </p>
          ) : null}
        </div>
        <div className="head-actions">
          {can(role, 'admin') ? (
            <Link className="button" href={`/services/${service.id}/edit`}>
              Edit
            </Link>
          ) : null}
          <PlayMenu target={{ level: 'service', id: service.id, name: service.name, environmentId: environment.id }} onDeployVersion={onDeployVersion} />
        </div>
      </div>
    </>
  );
}

function Deployments({ deployments }: { deployments: readonly Deployment[] }) {
  if (deployments.length === 0) return <p className="muted">Never deployed.</p>;
  return (
    <ul className="history">
      {deployments.map((d) => (
        <li key={d.id} data-testid="service-deployment">
          <Link href={`/deployments/${d.id}`} className="history-link">
            {actionName(d.action)}
          </Link>{' '}
          <StatusBadge status={d.status} />{' '}
          <time dateTime={d.createdAt} title={formatTime(d.createdAt)} className="muted">
            {relativeTime(d.createdAt)}
          </time>
          <span className="muted"> by {d.triggeredBy}</span>
        </li>
      ))}
    </ul>
  );
}

/** A service's page: what it is, what runs, what it prints, what it uses, how it was deployed. */
export function ServicePage({ id }: { id: string }) {
  const { client, role } = useSession();
  const [versionsOpen, setVersionsOpen] = useState(false);
  const { data, setData, error, reload } = useLoad<ServiceData>(async () => {
    const service = await client.service(id);
    const [environment, deployments, runs] = await Promise.all([
      client.environment(service.environmentId),
      client.serviceDeployments(id, 15),
      service.type === 'job' ? client.jobRuns(id, 20) : Promise.resolve([]),
    ]);
    return { service, environment, deployments, runs };
  }, [client, id]);
  const instances = useInstances(id);
  const reloadSoon = useThrottled(() => {
    void reload();
    void instances.reload();
  }, 400);

  useEffect(() => {
    if (data) document.title = `${data.service.name} · ${data.environment.name} · Slipway`;
  }, [data]);

  useEvents((event) => {
    if (!event) return reloadSoon();
    if (event.type === 'service.status' && event.serviceId === id) {
      setData((d) => (d ? { ...d, service: { ...d.service, state: event.status, statusMessage: event.message } } : d));
      reloadSoon();
    } else if (event.type === 'service.running' && event.serviceId === id) {
      setData((d) => (d ? { ...d, service: { ...d.service, runningState: event.runningState } } : d));
      reloadSoon();
    } else if (event.type === 'deployment.status' && data && event.environmentId === data.environment.id) {
      reloadSoon();
    } else if (event.type === 'job.run' && event.serviceId === id) {
      reloadSoon();
    }
  });

  if (error && !data) return <ErrorNote error={error} />;
  if (!data) return <Loading what="the service" />;
  const { service, environment, deployments, runs } = data;
  const list = instances.data ?? [];

  return (
    <section aria-labelledby="service-title" className="service-page">
      <Header service={service} environment={environment} onDeployVersion={() => setVersionsOpen(true)} />

      <h2>Instances</h2>
      {instances.error && !instances.data ? <ErrorNote error={instances.error} /> : null}
      {instances.data ? <InstancesTable instances={list} /> : instances.error ? null : <Loading what="the instances" />}

      <h2>Logs</h2>
      <LiveLogs serviceId={service.id} instances={list} />

      <h2>CPU and memory</h2>
      <MetricsCharts serviceId={service.id} />

      {isCron(service) ? (
        <>
          <h2>Runs</h2>
          <JobRuns runs={runs} />
        </>
      ) : null}

      {isContainerDatabase(service) ? (
        <>
          <h2>Connection</h2>
          {can(role, 'deployer') ? (
            <DatabaseConnection serviceId={service.id} />
          ) : (
            <p className="muted">Deployers and admins see how to connect to this database.</p>
          )}
        </>
      ) : null}

      <h2>Environment variables</h2>
      <EffectiveEnv serviceId={service.id} environmentId={environment.id} projectId={environment.projectId} />

      <h2>Deployments</h2>
      <Deployments deployments={deployments} />

      {versionsOpen ? <VersionsPanel service={service} onClose={() => setVersionsOpen(false)} /> : null}
    </section>
  );
}
