import { Link } from '../../router.js';
import { VariablesEditor } from './VariablesEditor.js';

/** The environment page's Variables section: what it shares with its services, over the project's. */
export function EnvironmentVariables({ environmentId, projectId, projectName, onSaved }: { environmentId: string; projectId: string; projectName: string; onSaved: () => void }) {
  return (
    <section aria-labelledby="variables-title" id="variables" className="env-variables">
      <h2 id="variables-title">Variables</h2>
      <p className="muted">
        Every service of this environment gets them, over the <Link href={`/projects/${projectId}/variables`}>variables of {projectName}</Link> and under a service&apos;s own
        env. A change reaches a service at its next deploy.
      </p>
      <VariablesEditor scope="environments" id={environmentId} scopeName="environment" onSaved={onSaved} />
    </section>
  );
}
