import { useEffect } from 'react';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { VariablesEditor } from '../components/variables/VariablesEditor.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';

/** The variables a project shares with every service of its environments (docs/teams.md#variables). */
export function ProjectVariablesPage({ projectId }: { projectId: string }) {
  const { client } = useSession();
  const project = useLoad(() => client.project(projectId), [client, projectId]);
  useEffect(() => {
    if (project.data) document.title = `Variables · ${project.data.name} · Slipway`;
  }, [project.data]);

  if (project.error) return <ErrorNote error={project.error} />;
  if (!project.data) return <Loading what="the project" />;
  return (
    <section aria-labelledby="project-variables-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <Link href={`/#p-${project.data.id}`}>{project.data.name}</Link> <span aria-hidden="true">/</span>{' '}
        <span>Variables</span>
      </nav>
      <h1 id="project-variables-title">Variables of {project.data.name}</h1>
      <p className="muted">
        Every service of every environment of this project gets them, unless its environment or the service itself sets the same name. A change reaches a service at its next
        deploy; until then it shows Pending changes.
      </p>
      <VariablesEditor scope="projects" id={project.data.id} scopeName="project" />
    </section>
  );
}
