import { useEffect, useState, type FormEvent } from 'react';
import { ApiRequestError } from '../api/client.js';
import type { Environment, FieldError, Project } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { FormErrorsProvider, SelectField, TextField, UnclaimedErrors, num } from '../components/Fields.js';
import { BOUNDS, checkName, checkWholeNumber, plainWords, problems } from '../form-rules.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';

/**
 * Runs a form submission: the browser's checks first (form-rules.ts; nothing is sent while one
 * fails), then the API's answer. Field errors go next to the fields in plain words, anything else
 * above the buttons.
 */
export function useSubmit() {
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (send: () => Promise<void>, check?: () => FieldError[]) => {
    const found = check?.() ?? [];
    if (found.length > 0) {
      setFieldErrors(found);
      setFormError(found.length === 1 ? 'One field needs fixing (see the message next to it); nothing was sent.' : `${found.length} fields need fixing (see the messages next to them); nothing was sent.`);
      return;
    }
    setBusy(true);
    setFormError(null);
    setFieldErrors([]);
    try {
      await send();
    } catch (err) {
      if (err instanceof ApiRequestError) {
        setFieldErrors(err.details.map((d) => ({ field: d.field, message: plainWords(d.field, d.message) })));
        setFormError(`${err.message}${err.details.length ? ` (${err.details.length} problem${err.details.length > 1 ? 's' : ''}, shown next to the fields)` : ''}`);
      } else {
        setFormError(err instanceof Error ? err.message : String(err));
      }
    } finally {
      setBusy(false);
    }
  };
  return { fieldErrors, formError, busy, submit };
}

function environmentProblems(name: string, builds: string, deploys: string): FieldError[] {
  return problems((add) => {
    add('name', checkName(name));
    add('settings/maxParallelBuilds', checkWholeNumber(builds, ...BOUNDS.maxParallelBuilds));
    add('settings/maxParallelDeploys', checkWholeNumber(deploys, ...BOUNDS.maxParallelDeploys));
  });
}

export function FormFooter({ busy, label, formError, cancelHref }: { busy: boolean; label: string; formError: string | null; cancelHref: string }) {
  return (
    <>
      <UnclaimedErrors />
      {formError ? (
        <p className="form-error" role="alert">
          {formError}
        </p>
      ) : null}
      <div className="form-actions">
        <Link className="button" href={cancelHref}>
          Cancel
        </Link>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : label}
        </button>
      </div>
    </>
  );
}

export function NewProjectPage() {
  const { client } = useSession();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<(Project & { webhookSecret: string }) | null>(null);
  const { fieldErrors, formError, busy, submit } = useSubmit();
  useEffect(() => {
    document.title = 'New project · Slipway';
  }, []);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(
      async () => setCreated(await client.createProject({ name: name.trim() })),
      () => problems((add) => add('name', checkName(name))),
    );
  };

  if (created) {
    return (
      <section className="card narrow" aria-labelledby="created-title">
        <h1 id="created-title">Project {created.name} created</h1>
        <p>Its git webhook secret is shown this once; keep it to sign push webhooks:</p>
        <p>
          <code className="secret">{created.webhookSecret}</code>
        </p>
        <div className="form-actions">
          <Link className="button primary" href={`/projects/${created.id}/environments/new`}>
            Add an environment
          </Link>
          <Link className="button" href="/">
            Back to projects
          </Link>
        </div>
      </section>
    );
  }

  return (
    <form className="card narrow form" onSubmit={onSubmit} aria-labelledby="new-project-title" noValidate>
      <h1 id="new-project-title">New project</h1>
      <FormErrorsProvider errors={fieldErrors}>
        <TextField path="name" label="Name" hint="a DNS label: lower-case letters, digits and -" value={name} onChange={setName} required />
        <FormFooter busy={busy} label="Create project" formError={formError} cancelHref="/" />
      </FormErrorsProvider>
    </form>
  );
}

export function EditProjectPage({ projectId }: { projectId: string }) {
  const { client } = useSession();
  const project = useLoad(() => client.project(projectId), [client, projectId]);
  if (project.error) return <ErrorNote error={project.error} />;
  if (!project.data) return <Loading what="the project" />;
  return <EditProjectForm project={project.data} />;
}

function EditProjectForm({ project }: { project: Project }) {
  const { client } = useSession();
  const [name, setName] = useState(project.name);
  const { fieldErrors, formError, busy, submit } = useSubmit();
  useEffect(() => {
    document.title = `Edit project ${project.name} · Slipway`;
  }, [project.name]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(
      async () => {
        await client.updateProject(project.id, { name: name.trim() });
        navigate('/');
      },
      () => problems((add) => add('name', checkName(name))),
    );
  };

  return (
    <form className="card narrow form" onSubmit={onSubmit} aria-labelledby="edit-project-title" noValidate>
      <h1 id="edit-project-title">Edit project {project.name}</h1>
      <FormErrorsProvider errors={fieldErrors}>
        <TextField path="name" label="Name" hint="a DNS label; images built from now on are named after it" value={name} onChange={setName} required />
        <FormFooter busy={busy} label="Save changes" formError={formError} cancelHref="/" />
      </FormErrorsProvider>
    </form>
  );
}

export function EditEnvironmentPage({ environmentId }: { environmentId: string }) {
  const { client } = useSession();
  const env = useLoad(() => client.environment(environmentId), [client, environmentId]);
  if (env.error) return <ErrorNote error={env.error} />;
  if (!env.data) return <Loading what="the environment" />;
  return <EditEnvironmentForm environment={env.data} />;
}

function EditEnvironmentForm({ environment }: { environment: Environment }) {
  const { client } = useSession();
  const [name, setName] = useState(environment.name);
  const [builds, setBuilds] = useState(String(environment.settings.maxParallelBuilds));
  const [deploys, setDeploys] = useState(String(environment.settings.maxParallelDeploys));
  const { fieldErrors, formError, busy, submit } = useSubmit();
  const back = `/environments/${environment.id}`;
  useEffect(() => {
    document.title = `Edit environment ${environment.name} · Slipway`;
  }, [environment.name]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    // An emptied number field is left out: the API keeps the current value.
    const settings = JSON.parse(JSON.stringify({ maxParallelBuilds: num(builds), maxParallelDeploys: num(deploys) })) as unknown;
    void submit(async () => {
      await client.updateEnvironment(environment.id, { name: name.trim(), settings });
      navigate(back);
    }, () => environmentProblems(name, builds, deploys));
  };

  return (
    <form className="card narrow form" onSubmit={onSubmit} aria-labelledby="edit-env-title" noValidate>
      <h1 id="edit-env-title">Edit environment {environment.name}</h1>
      <FormErrorsProvider errors={fieldErrors}>
        <TextField path="name" label="Name" hint="a DNS label, e.g. staging" value={name} onChange={setName} required />
        <SelectField
          path="runtime"
          label="Runtime"
          hint="chosen at creation; it cannot change"
          value={environment.runtime}
          onChange={() => undefined}
          options={[
            ['docker', 'Docker (one machine)'],
            ['kubernetes', 'Kubernetes'],
          ]}
          disabled
        />
        <div className="field-row">
          <TextField path="settings/maxParallelBuilds" label="Max parallel builds" hint="1 to 32" type="number" value={builds} onChange={setBuilds} />
          <TextField path="settings/maxParallelDeploys" label="Max parallel deploys" hint="1 to 64" type="number" value={deploys} onChange={setDeploys} />
        </div>
        <FormFooter busy={busy} label="Save changes" formError={formError} cancelHref={back} />
      </FormErrorsProvider>
    </form>
  );
}

export function NewEnvironmentPage({ projectId }: { projectId: string }) {
  const { client } = useSession();
  const project = useLoad(() => client.project(projectId), [client, projectId]);
  const [name, setName] = useState('');
  const [runtime, setRuntime] = useState('docker');
  const [builds, setBuilds] = useState('');
  const [deploys, setDeploys] = useState('');
  const { fieldErrors, formError, busy, submit } = useSubmit();
  useEffect(() => {
    document.title = 'New environment · Slipway';
  }, []);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const settings = { maxParallelBuilds: num(builds), maxParallelDeploys: num(deploys) };
    const hasSettings = settings.maxParallelBuilds !== undefined || settings.maxParallelDeploys !== undefined;
    void submit(async () => {
      const env = await client.createEnvironment(projectId, { name: name.trim(), runtime, ...(hasSettings ? { settings: JSON.parse(JSON.stringify(settings)) as unknown } : {}) });
      navigate(`/environments/${env.id}`);
    }, () => environmentProblems(name, builds, deploys));
  };

  if (project.error) return <ErrorNote error={project.error} />;
  if (!project.data) return <Loading what="the project" />;
  return (
    <form className="card narrow form" onSubmit={onSubmit} aria-labelledby="new-env-title" noValidate>
      <h1 id="new-env-title">New environment in {project.data.name}</h1>
      <FormErrorsProvider errors={fieldErrors}>
        <TextField path="name" label="Name" hint="a DNS label, e.g. staging" value={name} onChange={setName} required />
        <SelectField
          path="runtime"
          label="Runtime"
          value={runtime}
          onChange={setRuntime}
          options={[
            ['docker', 'Docker (one machine)'],
            ['kubernetes', 'Kubernetes'],
          ]}
        />
        <div className="field-row">
          <TextField path="settings/maxParallelBuilds" label="Max parallel builds" type="number" placeholder="2" value={builds} onChange={setBuilds} />
          <TextField path="settings/maxParallelDeploys" label="Max parallel deploys" type="number" placeholder="4" value={deploys} onChange={setDeploys} />
        </div>
        <FormFooter busy={busy} label="Create environment" formError={formError} cancelHref="/" />
      </FormErrorsProvider>
    </form>
  );
}
