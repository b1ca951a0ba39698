import { useEffect, useState, type FormEvent } from 'react';
import type { DatabaseSource, FieldError, GitSource, ImageSource, JobSource, Service, ServiceSettings, ServiceType } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { CheckField, FormErrorsProvider, SelectField, TextField, num } from '../components/Fields.js';
import { BOUNDS, checkImageTag, checkVariableName, checkName, checkWholeNumber, problems } from '../form-rules.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import { FormFooter, useSubmit } from './ProjectForms.js';

/** The form's state: strings as typed; turned into the API body by toBody. */
interface Draft {
  name: string;
  type: ServiceType;
  imageName: string;
  imageTag: string;
  gitUrl: string;
  gitBranch: string;
  gitRootPath: string;
  gitDockerfilePath: string;
  dbEngine: DatabaseSource['engine'];
  dbVersion: string;
  dbMode: 'container' | 'managed';
  dbStorageGb: string;
  jobType: 'lifecycle' | 'cron';
  jobSchedule: string;
  jobEvents: Array<'start' | 'stop' | 'delete'>;
  jobSourceKind: 'image' | 'git';
  jobCommand: string;
  jobMaxDuration: string;
  jobMaxRestarts: string;
  instances: string;
  cpu: string;
  memoryMb: string;
  startTimeoutSeconds: string;
  autoDeploy: boolean;
  ports: Array<{ containerPort: string; public: boolean; protocol: 'http' | 'tcp' }>;
  env: Array<{ key: string; value: string; secret: boolean }>;
  probeType: 'none' | 'http' | 'tcp';
  probePath: string;
  probePort: string;
  probePeriod: string;
}

const EMPTY: Draft = {
  name: '',
  type: 'container',
  imageName: '',
  imageTag: 'latest',
  gitUrl: '',
  gitBranch: 'main',
  gitRootPath: '/',
  gitDockerfilePath: 'Dockerfile',
  dbEngine: 'postgresql',
  dbVersion: '16',
  dbMode: 'container',
  dbStorageGb: '',
  jobType: 'lifecycle',
  jobSchedule: '',
  jobEvents: ['start'],
  jobSourceKind: 'image',
  jobCommand: '',
  jobMaxDuration: '',
  jobMaxRestarts: '',
  instances: '1',
  cpu: '',
  memoryMb: '',
  startTimeoutSeconds: '',
  autoDeploy: false,
  ports: [],
  env: [],
  probeType: 'none',
  probePath: '/',
  probePort: '',
  probePeriod: '',
};

const str = (v: number | undefined | null) => (v === undefined || v === null ? '' : String(v));

function fromService(s: Service): Draft {
  const d: Draft = { ...EMPTY, name: s.name, type: s.type };
  const applyImage = (src: ImageSource) => {
    d.imageName = src.image.name;
    d.imageTag = src.image.tag;
  };
  const applyGit = (src: GitSource) => {
    d.gitUrl = src.git.url;
    d.gitBranch = src.git.branch;
    d.gitRootPath = src.git.rootPath ?? '/';
    d.gitDockerfilePath = src.git.dockerfilePath ?? 'Dockerfile';
  };
  const src = s.source;
  if (s.type === 'container') applyImage(src as ImageSource);
  if (s.type === 'application') applyGit(src as GitSource);
  if (s.type === 'database') {
    const db = src as DatabaseSource;
    Object.assign(d, { dbEngine: db.engine, dbVersion: db.version, dbMode: db.mode ?? 'container', dbStorageGb: str(db.storageGb) });
    if (db.image) applyImage({ image: db.image });
  }
  if (s.type === 'job') {
    const job = src as JobSource;
    Object.assign(d, {
      jobType: job.jobType,
      jobSchedule: job.schedule ?? '',
      jobEvents: job.events ?? [],
      jobCommand: (job.command ?? []).join('\n'),
      jobMaxDuration: str(job.maxDurationSeconds),
      jobMaxRestarts: str(job.maxRestarts),
      jobSourceKind: 'git' in job.source ? 'git' : 'image',
    });
    if ('git' in job.source) applyGit(job.source);
    else applyImage(job.source);
  }
  const st = s.settings;
  d.instances = str(st.instances);
  d.cpu = str(st.cpu);
  d.memoryMb = str(st.memoryMb);
  d.startTimeoutSeconds = str(st.startTimeoutSeconds);
  d.autoDeploy = st.autoDeploy ?? false;
  d.ports = (st.ports ?? []).map((p) => ({ containerPort: String(p.containerPort), public: p.public ?? false, protocol: p.protocol ?? 'http' }));
  d.env = (st.env ?? []).map((e) => ({ key: e.key, value: e.value, secret: e.secret ?? false }));
  const probe = st.healthchecks?.readiness;
  if (probe && (probe.type === 'http' || probe.type === 'tcp')) {
    d.probeType = probe.type;
    d.probePort = str(probe.port);
    d.probePath = probe.type === 'http' ? probe.path : '/';
    d.probePeriod = str(probe.periodSeconds as number | undefined);
  }
  return d;
}

/** Drops undefined values, so that empty inputs are left to the API's defaults. */
function clean<T extends object>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

function toBody(d: Draft, mode: 'create' | 'edit') {
  const image = { image: { name: d.imageName.trim(), tag: d.imageTag.trim() } };
  const git = { git: { url: d.gitUrl.trim(), branch: d.gitBranch.trim(), rootPath: d.gitRootPath || undefined, dockerfilePath: d.gitDockerfilePath || undefined } };
  let source: unknown;
  if (d.type === 'container') source = image;
  else if (d.type === 'application') source = git;
  else if (d.type === 'database')
    source = {
      engine: d.dbEngine,
      version: d.dbVersion.trim(),
      mode: d.dbMode,
      storageGb: num(d.dbStorageGb),
      ...(d.imageName.trim() ? { image: image.image } : {}),
    };
  else
    source = {
      jobType: d.jobType,
      ...(d.jobType === 'cron' ? { schedule: d.jobSchedule.trim() } : { events: d.jobEvents }),
      source: d.jobSourceKind === 'git' ? git : image,
      ...(d.jobCommand.trim() ? { command: d.jobCommand.split('\n').filter((l) => l.trim() !== '') } : {}),
      maxDurationSeconds: num(d.jobMaxDuration),
      maxRestarts: num(d.jobMaxRestarts),
    };
  const settings: ServiceSettings = {
    instances: num(d.instances),
    cpu: num(d.cpu),
    memoryMb: num(d.memoryMb),
    startTimeoutSeconds: num(d.startTimeoutSeconds),
    ports: d.ports.map((p) => ({ containerPort: num(p.containerPort) as number, public: p.public, protocol: p.protocol })),
    env: d.env.map((e) => ({ key: e.key, value: e.value, secret: e.secret })),
    ...(d.type === 'application' || (d.type === 'job' && d.jobSourceKind === 'git') ? { autoDeploy: d.autoDeploy } : {}),
  };
  if (d.probeType !== 'none') {
    const timing = { periodSeconds: num(d.probePeriod) };
    const readiness =
      d.probeType === 'http'
        ? { type: 'http' as const, path: d.probePath, port: num(d.probePort) as number, ...timing }
        : { type: 'tcp' as const, port: num(d.probePort) as number, ...timing };
    settings.healthchecks = { readiness };
  } else if (mode === 'edit') {
    settings.healthchecks = {};
  }
  return clean({ name: d.name.trim(), ...(mode === 'create' ? { type: d.type } : {}), source, settings });
}

/** The browser's checks of the form (form-rules.ts), by the fields' paths: nothing is sent while one fails. */
function serviceProblems(d: Draft): FieldError[] {
  return problems((add) => {
    add('name', checkName(d.name));
    const imagePrefix = d.type === 'job' ? 'source/source' : 'source';
    const usesImage = d.type === 'container' || (d.type === 'job' && d.jobSourceKind === 'image');
    if (usesImage && d.imageName.trim() === '') add(`${imagePrefix}/image/name`, 'Enter the image name, for example nginx or registry.example.com/team/app.');
    if (usesImage || (d.type === 'database' && d.imageName.trim() !== '')) add(`${imagePrefix}/image/tag`, checkImageTag(d.imageTag));
    const usesGit = d.type === 'application' || (d.type === 'job' && d.jobSourceKind === 'git');
    if (usesGit && d.gitUrl.trim() === '') add(`${imagePrefix}/git/url`, 'Enter the repository address, for example https://github.com/acme/shop.git.');
    if (usesGit && d.gitBranch.trim() === '') add(`${imagePrefix}/git/branch`, 'Enter a branch, for example main.');
    if (d.type === 'database') add('source/storageGb', checkWholeNumber(d.dbStorageGb, ...BOUNDS.storageGb));
    if (d.type === 'job' && d.jobType === 'cron' && d.jobSchedule.trim() === '') add('source/schedule', 'Enter a cron schedule, for example */5 * * * * or @daily.');
    if (d.type === 'job') {
      add('source/maxDurationSeconds', checkWholeNumber(d.jobMaxDuration, ...BOUNDS.maxDurationSeconds));
      add('source/maxRestarts', checkWholeNumber(d.jobMaxRestarts, ...BOUNDS.maxRestarts));
    }
    add('settings/instances', checkWholeNumber(d.instances, ...BOUNDS.instances));
    add('settings/cpu', checkWholeNumber(d.cpu, ...BOUNDS.cpu));
    add('settings/memoryMb', checkWholeNumber(d.memoryMb, ...BOUNDS.memoryMb));
    add('settings/startTimeoutSeconds', checkWholeNumber(d.startTimeoutSeconds, ...BOUNDS.startTimeoutSeconds));
    d.ports.forEach((p, i) => add(`settings/ports/${i}/containerPort`, checkWholeNumber(p.containerPort, ...BOUNDS.port, false)));
    d.env.forEach((e, i) => add(`settings/env/${i}/key`, checkVariableName(e.key)));
    if (d.probeType !== 'none') {
      add('settings/healthchecks/readiness/port', checkWholeNumber(d.probePort, ...BOUNDS.port, false));
      add('settings/healthchecks/readiness/periodSeconds', checkWholeNumber(d.probePeriod, ...BOUNDS.periodSeconds));
    }
  });
}

export function NewServicePage({ environmentId }: { environmentId: string }) {
  const { client } = useSession();
  const env = useLoad(() => client.environment(environmentId), [client, environmentId]);
  if (env.error) return <ErrorNote error={env.error} />;
  if (!env.data) return <Loading what="the environment" />;
  return <ServiceForm environmentId={environmentId} title={`New service in ${env.data.name}`} initial={EMPTY} />;
}

export function EditServicePage({ serviceId }: { serviceId: string }) {
  const { client } = useSession();
  const service = useLoad(() => client.service(serviceId), [client, serviceId]);
  if (service.error) return <ErrorNote error={service.error} />;
  if (!service.data) return <Loading what="the service" />;
  return <ServiceForm environmentId={service.data.environmentId} serviceId={serviceId} title={`Edit ${service.data.name}`} initial={fromService(service.data)} />;
}

function ServiceForm({ environmentId, serviceId, title, initial }: { environmentId: string; serviceId?: string; title: string; initial: Draft }) {
  const { client } = useSession();
  const [d, setD] = useState<Draft>(initial);
  const { fieldErrors, formError, busy, submit } = useSubmit();
  const mode = serviceId ? 'edit' : 'create';
  const set = <K extends keyof Draft>(key: K) => (value: Draft[K]) => setD((prev) => ({ ...prev, [key]: value }));
  useEffect(() => {
    document.title = `${title} · Slipway`;
  }, [title]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(
      async () => {
        const body = toBody(d, mode);
        if (serviceId) await client.updateService(serviceId, body);
        else await client.createService(environmentId, body);
        navigate(`/environments/${environmentId}`);
      },
      () => serviceProblems(d),
    );
  };

  const srcPrefix = d.type === 'job' ? 'source/source' : d.type === 'database' ? 'source' : 'source';
  const imageFields = (prefix: string, optional: boolean) => (
    <div className="field-row">
      <TextField path={`${prefix}/image/name`} label={optional ? 'Image name (optional)' : 'Image name'} placeholder="registry.example.com/team/app" value={d.imageName} onChange={set('imageName')} />
      <TextField path={`${prefix}/image/tag`} label="Tag" value={d.imageTag} onChange={set('imageTag')} />
    </div>
  );
  const gitFields = (prefix: string) => (
    <>
      <TextField path={`${prefix}/git/url`} label="Git URL" placeholder="https://github.com/acme/shop.git" value={d.gitUrl} onChange={set('gitUrl')} />
      <div className="field-row">
        <TextField path={`${prefix}/git/branch`} label="Branch" value={d.gitBranch} onChange={set('gitBranch')} />
        <TextField path={`${prefix}/git/rootPath`} label="Root path" value={d.gitRootPath} onChange={set('gitRootPath')} />
        <TextField path={`${prefix}/git/dockerfilePath`} label="Dockerfile path" value={d.gitDockerfilePath} onChange={set('gitDockerfilePath')} />
      </div>
    </>
  );

  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="service-form-title" noValidate>
      <h1 id="service-form-title">{title}</h1>
      <FormErrorsProvider errors={fieldErrors}>
        <fieldset>
          <legend>Service</legend>
          <div className="field-row">
            <TextField path="name" label="Name" hint="a DNS label, unique in the environment" value={d.name} onChange={set('name')} required />
            <SelectField
              path="type"
              label="Type"
              value={d.type}
              disabled={mode === 'edit'}
              onChange={(v) => set('type')(v as ServiceType)}
              options={[
                ['container', 'Container (image)'],
                ['application', 'Application (git)'],
                ['database', 'Database'],
                ['job', 'Job'],
              ]}
            />
          </div>
        </fieldset>

        <fieldset>
          <legend>Source</legend>
          {d.type === 'container' ? imageFields('source', false) : null}
          {d.type === 'application' ? (
            <>
              {gitFields('source')}
              <CheckField path="settings/autoDeploy" label="Deploy automatically on push" checked={d.autoDeploy} onChange={set('autoDeploy')} />
            </>
          ) : null}
          {d.type === 'database' ? (
            <>
              <div className="field-row">
                <SelectField
                  path="source/engine"
                  label="Engine"
                  value={d.dbEngine}
                  onChange={(v) => set('dbEngine')(v as Draft['dbEngine'])}
                  options={[
                    ['postgresql', 'PostgreSQL'],
                    ['mysql', 'MySQL'],
                    ['redis', 'Redis'],
                    ['mongodb', 'MongoDB'],
                  ]}
                />
                <TextField path="source/version" label="Version" value={d.dbVersion} onChange={set('dbVersion')} />
                <SelectField
                  path="source/mode"
                  label="Mode"
                  value={d.dbMode}
                  onChange={(v) => set('dbMode')(v as Draft['dbMode'])}
                  options={[
                    ['container', 'Container'],
                    ['managed', 'Managed'],
                  ]}
                />
                <TextField path="source/storageGb" label="Storage (GB)" type="number" placeholder="10" value={d.dbStorageGb} onChange={set('dbStorageGb')} />
              </div>
              {imageFields('source', true)}
            </>
          ) : null}
          {d.type === 'job' ? (
            <>
              <div className="field-row">
                <SelectField
                  path="source/jobType"
                  label="Job type"
                  value={d.jobType}
                  onChange={(v) => set('jobType')(v as Draft['jobType'])}
                  options={[
                    ['lifecycle', 'Lifecycle'],
                    ['cron', 'Cron'],
                  ]}
                />
                {d.jobType === 'cron' ? (
                  <TextField path="source/schedule" label="Schedule (cron)" placeholder="*/5 * * * *" value={d.jobSchedule} onChange={set('jobSchedule')} />
                ) : (
                  <fieldset className="inline-checks">
                    <legend>Runs on</legend>
                    {(['start', 'stop', 'delete'] as const).map((ev) => (
                      <label key={ev} className="check">
                        <input
                          type="checkbox"
                          checked={d.jobEvents.includes(ev)}
                          onChange={(e) => set('jobEvents')(e.target.checked ? [...d.jobEvents, ev] : d.jobEvents.filter((x) => x !== ev))}
                        />{' '}
                        {ev}
                      </label>
                    ))}
                  </fieldset>
                )}
                <SelectField
                  path="source/source"
                  label="Code from"
                  value={d.jobSourceKind}
                  onChange={(v) => set('jobSourceKind')(v as Draft['jobSourceKind'])}
                  options={[
                    ['image', 'an image'],
                    ['git', 'a git repository'],
                  ]}
                />
              </div>
              {d.jobSourceKind === 'git' ? gitFields(srcPrefix) : imageFields(srcPrefix, false)}
              <TextField path="source/command" label="Command (one argument per line)" multiline value={d.jobCommand} onChange={set('jobCommand')} />
              <div className="field-row">
                <TextField path="source/maxDurationSeconds" label="Max duration (s)" type="number" placeholder="3600" value={d.jobMaxDuration} onChange={set('jobMaxDuration')} />
                <TextField path="source/maxRestarts" label="Max restarts" type="number" placeholder="0" value={d.jobMaxRestarts} onChange={set('jobMaxRestarts')} />
              </div>
            </>
          ) : null}
        </fieldset>

        <fieldset>
          <legend>Resources</legend>
          <div className="field-row">
            <TextField path="settings/instances" label="Instances" type="number" value={d.instances} onChange={set('instances')} />
            <TextField path="settings/cpu" label="CPU (millicores)" type="number" placeholder="500" value={d.cpu} onChange={set('cpu')} />
            <TextField path="settings/memoryMb" label="Memory (MB)" type="number" placeholder="512" value={d.memoryMb} onChange={set('memoryMb')} />
            <TextField path="settings/startTimeoutSeconds" label="Start timeout (s)" type="number" placeholder="300" value={d.startTimeoutSeconds} onChange={set('startTimeoutSeconds')} />
          </div>
        </fieldset>

        <fieldset>
          <legend>Ports</legend>
          {d.ports.map((p, i) => (
            <div className="field-row row-item" key={i}>
              <TextField
                path={`settings/ports/${i}/containerPort`}
                label={`Container port ${i + 1}`}
                type="number"
                value={p.containerPort}
                onChange={(v) => set('ports')(d.ports.map((x, j) => (j === i ? { ...x, containerPort: v } : x)))}
              />
              <SelectField
                path={`settings/ports/${i}/protocol`}
                label={`Protocol ${i + 1}`}
                value={p.protocol}
                onChange={(v) => set('ports')(d.ports.map((x, j) => (j === i ? { ...x, protocol: v as 'http' | 'tcp' } : x)))}
                options={[
                  ['http', 'HTTP'],
                  ['tcp', 'TCP'],
                ]}
              />
              <CheckField
                path={`settings/ports/${i}/public`}
                label={`Public ${i + 1}`}
                checked={p.public}
                onChange={(v) => set('ports')(d.ports.map((x, j) => (j === i ? { ...x, public: v } : x)))}
              />
              <button type="button" className="small" aria-label={`Remove port ${i + 1}`} onClick={() => set('ports')(d.ports.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" className="small" onClick={() => set('ports')([...d.ports, { containerPort: '', public: true, protocol: 'http' }])}>
            Add port
          </button>
        </fieldset>

        <fieldset>
          <legend>Readiness probe</legend>
          <div className="field-row">
            <SelectField
              path="settings/healthchecks/readiness/type"
              label="Probe"
              value={d.probeType}
              onChange={(v) => set('probeType')(v as Draft['probeType'])}
              options={[
                ['none', 'None (running 5 s counts as ready)'],
                ['http', 'HTTP GET'],
                ['tcp', 'TCP connect'],
              ]}
            />
            {d.probeType === 'http' ? <TextField path="settings/healthchecks/readiness/path" label="Probe path" value={d.probePath} onChange={set('probePath')} /> : null}
            {d.probeType !== 'none' ? (
              <>
                <TextField path="settings/healthchecks/readiness/port" label="Probe port" type="number" value={d.probePort} onChange={set('probePort')} />
                <TextField path="settings/healthchecks/readiness/periodSeconds" label="Every (s)" type="number" placeholder="10" value={d.probePeriod} onChange={set('probePeriod')} />
              </>
            ) : null}
          </div>
        </fieldset>

        <fieldset>
          <legend>Environment variables</legend>
          {d.env.map((v, i) => (
            <div className="field-row row-item" key={i}>
              <TextField path={`settings/env/${i}/key`} label={`Key ${i + 1}`} value={v.key} onChange={(x) => set('env')(d.env.map((e, j) => (j === i ? { ...e, key: x } : e)))} />
              <TextField
                path={`settings/env/${i}/value`}
                label={`Value ${i + 1}`}
                type={v.secret ? 'password' : 'text'}
                value={v.value}
                onChange={(x) => set('env')(d.env.map((e, j) => (j === i ? { ...e, value: x } : e)))}
              />
              <CheckField path={`settings/env/${i}/secret`} label={`Secret ${i + 1}`} checked={v.secret} onChange={(x) => set('env')(d.env.map((e, j) => (j === i ? { ...e, secret: x } : e)))} />
              <button type="button" className="small" aria-label={`Remove variable ${i + 1}`} onClick={() => set('env')(d.env.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" className="small" onClick={() => set('env')([...d.env, { key: '', value: '', secret: false }])}>
            Add variable
          </button>
          {mode === 'edit' && d.env.some((e) => e.secret) ? <p className="hint">Secret values show as ******** — leave them so to keep them.</p> : null}
        </fieldset>

        <FormFooter busy={busy} label={mode === 'edit' ? 'Save changes' : 'Create service'} formError={formError} cancelHref={`/environments/${environmentId}`} />
      </FormErrorsProvider>
    </form>
  );
}
