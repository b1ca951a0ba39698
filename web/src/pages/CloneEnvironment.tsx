import { useEffect, useState, type FormEvent } from 'react';
import type { Environment } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { FormErrorsProvider, SelectField, TextField } from '../components/Fields.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import { FormFooter, useSubmit } from './ProjectForms.js';

/** "Clone" on the environment page (docs/teams.md#clone): a new environment with copies of everything, nothing deployed. */
export function CloneEnvironmentPage({ environmentId }: { environmentId: string }) {
  const { client } = useSession();
  const env = useLoad(() => client.environment(environmentId), [client, environmentId]);
  if (env.error) return <ErrorNote error={env.error} />;
  if (!env.data) return <Loading what="the environment" />;
  return <CloneForm environment={env.data} />;
}

function CloneForm({ environment }: { environment: Environment }) {
  const { client } = useSession();
  const [name, setName] = useState(`${environment.name}-copy`.slice(0, 63));
  const [runtime, setRuntime] = useState<string>(environment.runtime);
  const { fieldErrors, formError, busy, submit } = useSubmit();
  useEffect(() => {
    document.title = `Clone environment ${environment.name} · Slipway`;
  }, [environment.name]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(async () => {
      const clone = await client.cloneEnvironment(environment.id, { name: name.trim(), runtime });
      navigate(`/environments/${clone.id}`);
    });
  };

  return (
    <form className="card narrow form" onSubmit={onSubmit} aria-labelledby="clone-env-title" noValidate>
      <h1 id="clone-env-title">Clone environment {environment.name}</h1>
      <p className="muted">
        The new environment gets copies of the services (sources, settings, secrets), stages and variables. Nothing is deployed; databases get new passwords.
      </p>
      <FormErrorsProvider errors={fieldErrors}>
        <TextField path="name" label="Name" hint="a DNS label, e.g. staging-2" value={name} onChange={setName} required />
        <SelectField
          path="runtime"
          label="Runtime"
          hint="a service that cannot run on the runtime chosen is named, and nothing is created"
          value={runtime}
          onChange={setRuntime}
          options={[
            ['docker', 'Docker (one machine)'],
            ['kubernetes', 'Kubernetes'],
          ]}
        />
        <FormFooter busy={busy} label="Clone environment" formError={formError} cancelHref={`/environments/${environment.id}`} />
      </FormErrorsProvider>
    </form>
  );
}
