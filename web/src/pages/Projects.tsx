import { useEffect } from 'react';
import type { Environment, Project } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { useEvents, useThrottled } from '../events.js';
import { Link } from '../router.js';
import { can, unlimited, useSession } from '../session.js';

interface ProjectWithEnvs {
  project: Project;
  environments: Environment[];
}

/** Projects and their environments, each with its deployment and running status, kept live. */
export function ProjectsPage() {
  const session = useSession();
  const { client, role } = session;
  const { data, setData, error, reload } = useLoad<ProjectWithEnvs[]>(async () => {
    const projects = await client.projects();
    return Promise.all(projects.map(async (project) => ({ project, environments: await client.environments(project.id) })));
  }, [client]);
  const reloadSoon = useThrottled(() => void reload(), 500);

  useEffect(() => {
    document.title = 'Projects · Slipway';
  }, []);

  // `/#p-<id>` (where a deleted environment's page sends you) shows that project.
  const loaded = data !== null;
  useEffect(() => {
    if (loaded && window.location.hash.startsWith('#p-')) document.getElementById(window.location.hash.slice(1))?.scrollIntoView({ block: 'start' });
  }, [loaded]);

  useEvents((event) => {
    if (!event) return reloadSoon();
    if (event.type !== 'environment.status') return;
    setData((list) =>
      list
        ? list.map((p) => ({
            ...p,
            environments: p.environments.map((e) =>
              e.id === event.environmentId ? { ...e, state: event.status, runningState: event.runningStatus } : e,
            ),
          }))
        : list,
    );
  });

  return (
    <section aria-labelledby="projects-title">
      <div className="page-head">
        <h1 id="projects-title">Projects</h1>
        {can(role, 'admin') && unlimited(session) ? (
          <Link className="button primary" href="/projects/new">
            New project
          </Link>
        ) : null}
      </div>
      <ErrorNote error={error} />
      {!data && !error ? <Loading what="projects" /> : null}
      {data && data.length === 0 ? <p className="muted">No project yet.{can(role, 'admin') && unlimited(session) ? ' Create one to start.' : ''}</p> : null}
      <div className="project-list">
        {data?.map(({ project, environments }) => (
          <article key={project.id} className="card project" aria-labelledby={`p-${project.id}`}>
            <div className="card-head">
              <h2 id={`p-${project.id}`}>{project.name}</h2>
              <span className="head-actions">
                <Link className="button small" href={`/projects/${project.id}/notifications`} aria-label={`Notifications of ${project.name}`}>
                  Notifications
                </Link>
                <Link className="button small" href={`/projects/${project.id}/variables`} aria-label={`Variables of ${project.name}`}>
                  Variables
                </Link>
                {can(role, 'admin') ? (
                  <>
                    <Link className="button small" href={`/projects/${project.id}/edit`} aria-label={`Edit project ${project.name}`}>
                      Edit
                    </Link>
                    <Link className="button small" href={`/projects/${project.id}/environments/new`} aria-label={`New environment in ${project.name}`}>
                      New environment
                    </Link>
                  </>
                ) : null}
              </span>
            </div>
            {environments.length === 0 ? <p className="muted">No environment.</p> : null}
            <EnvList environments={environments.filter((e) => !e.preview)} />
            {environments.some((e) => e.preview) ? (
              // Previews of pull requests (docs/teams.md#preview-environments), apart from the environments people made.
              <div className="previews" aria-label={`Previews of ${project.name}`}>
                <h3>Previews</h3>
                <EnvList environments={environments.filter((e) => e.preview)} />
              </div>
            ) : null}
            {project.previews?.problem ? <p className="form-error">Previews: {project.previews.problem}</p> : null}
          </article>
        ))}
      </div>
    </section>
  );
}

function EnvList({ environments }: { environments: Environment[] }) {
  return (
    <ul className="env-list">
      {environments.map((env) => (
        <li key={env.id} className="env-row" data-environment={env.name}>
          <Link href={`/environments/${env.id}`} className="env-link">
            {env.name}
          </Link>
          {env.preview ? (
            <a className="muted env-runtime" href={env.preview.url} target="_blank" rel="noreferrer">
              #{env.preview.number} {env.preview.branch}
            </a>
          ) : (
            <span className="muted env-runtime">{env.runtime}</span>
          )}
          <span className="env-badges">
            <StatusBadge status={env.state} label="Deployment status" />
            <StatusBadge status={env.runningState} kind="running" label="Running status" />
          </span>
        </li>
      ))}
    </ul>
  );
}
