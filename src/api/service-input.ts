import { Value } from '@sinclair/typebox/value';
import {
  DEFAULT_SERVICE_SETTINGS,
  codeSource,
  isGitSource,
  isManagedDatabase,
  MIN_SECRET_LENGTH,
  splitUrlUserinfo,
  typedSource,
  type Environment,
  type EnvVar,
  type RuntimeKind,
  type Service,
  type ServiceSettings,
  type ServiceSource,
  type ServiceType,
  type TypedSource,
} from '../domain/index.js';
import type { ServicePatch } from '../store/store.js';
import { validationFailed, type FieldError } from './errors.js';
import { gitUrlProblem, gitUrlRuntimeProblem } from './git-url.js';
import { SECRET_MASK, maskGitUrl } from './present.js';
import {
  SOURCE_SCHEMA_BY_TYPE,
  ServiceSettingsInput,
  type CreateServiceBodyT,
  type PatchServiceBodyT,
  type ServiceSettingsInputT,
} from './schemas/service.js';
import { check } from './validation.js';
import { customDomainProblems } from '../domain/edge-hosts.js';
import { withDatabaseCredentials } from '../domain/databases.js';
import { randomSecret } from '../engine/random-secret.js';
import { imageToPull, versionToDeploy } from '../domain/desired-spec.js';
import { NO_MANAGED_DATABASE_PROVIDER } from '../engine/managed-databases/provider.js';

/** What the server offers that decides whether a body is acceptable. */
export interface ServiceInputOptions {
  /** A managed database provider is configured: `mode: managed` databases can be created. */
  managedDatabases: boolean;
  /**
   * Built images can be pushed to a registry (SLIPWAY_REGISTRY is set): a kubernetes
   * environment's git services need one, since the cluster pulls them. Unset: not checked.
   */
  buildRegistry?: boolean;
  /** SLIPWAY_APPS_DOMAIN: custom domains under it are refused (the generated hosts live there). Default localhost. */
  appsDomain?: string;
}

/**
 * Turning validated request bodies into the store's service input: defaults filled in, the
 * rules a JSON schema cannot say checked (docs/resources.md#services), masked secrets resolved on PATCH.
 */

/**
 * The body's source with the type it was checked against. Each type's schema admits only the
 * sources that type takes, so a mismatch here is a schema that lets too much through.
 */
function typedBodySource(type: ServiceType, source: ServiceSource, field: string): TypedSource {
  const typed = typedSource(type, source);
  if (!typed) throw validationFailed([{ field, message: `not a source a ${type} service takes` }]);
  return typed;
}

function sourceProblems(typed: TypedSource, field: string, runtime: RuntimeKind): FieldError[] {
  const problems: FieldError[] = [];
  const git = codeSource(typed);
  if (git && isGitSource(git)) {
    const at = typed.type === 'job' ? `${field}/source/git/url` : `${field}/git/url`;
    const problem = gitUrlProblem(git.git.url) ?? gitUrlRuntimeProblem(git.git.url, runtime) ?? maskedCredentialsProblem(git.git.url);
    if (problem) problems.push({ field: at, message: problem });
  }
  if (typed.type === 'job') {
    const job = typed.source;
    if (job.jobType === 'cron' && !job.schedule) problems.push({ field: `${field}/schedule`, message: 'a cron job needs a schedule' });
    if (job.jobType === 'cron' && job.events) problems.push({ field: `${field}/events`, message: 'only lifecycle jobs have events' });
    if (job.jobType === 'lifecycle' && job.schedule) problems.push({ field: `${field}/schedule`, message: 'only cron jobs have a schedule' });
  }
  return problems;
}

/** What this server can give the services created or edited through it. */
export function serviceInputOptions(deps: {
  controlPlane: { managedDatabasesConfigured(): boolean };
  buildRegistry?: boolean;
  appsDomain?: string;
}): ServiceInputOptions {
  return {
    managedDatabases: deps.controlPlane.managedDatabasesConfigured(),
    ...(deps.buildRegistry !== undefined ? { buildRegistry: deps.buildRegistry } : {}),
    ...(deps.appsDomain !== undefined ? { appsDomain: deps.appsDomain } : {}),
  };
}

/** One host port is published by one container: a docker service with a public tcp port runs one instance. */
function publishedTcpProblems(settings: ServiceSettings, runtime: RuntimeKind, options: ServiceInputOptions, field: string): FieldError[] {
  if (runtime !== 'docker' || settings.instances <= 1) return [];
  const tcp = settings.ports.find((p) => p.public && p.protocol === 'tcp');
  if (!tcp) return [];
  return [{ field: `${field}/instances`, message: `public tcp port ${tcp.containerPort} is published by Docker on one container, so this service runs 1 instance: set instances to 1, or make the port private` }];
}

/** A git service on a runtime that pulls every image, with no registry to push its build to, could never deploy. */
function buildRegistryProblems(typed: TypedSource, runtime: RuntimeKind, options: ServiceInputOptions, field: string): FieldError[] {
  const code = codeSource(typed);
  if (runtime !== 'kubernetes' || options.buildRegistry !== false || !code || !isGitSource(code)) return [];
  return [{ field, message: 'a git service on kubernetes needs a registry for the images built from it (the cluster pulls them): set SLIPWAY_REGISTRY on this Slipway server' }];
}

/**
 * Why an existing service could not run on this runtime (a clone to another runtime,
 * docs/teams.md#clone): the checks a new service's source goes through there, each problem
 * prefixed with `field`.
 */
export function runtimeProblems(service: TypedSource, runtime: RuntimeKind, options: ServiceInputOptions, field: string): FieldError[] {
  return [
    ...sourceProblems(service, field, runtime),
    ...managedDatabaseProblems(service, null, options, field),
    ...buildRegistryProblems(service, runtime, options, field),
  ];
}

function withJobDefaults(typed: TypedSource): TypedSource {
  if (typed.type !== 'job') return typed;
  const job = typed.source;
  return job.jobType === 'lifecycle' && !job.events ? { type: 'job', source: { ...job, events: ['start'] } } : typed;
}

function settingsProblems(settings: ServiceSettings, field: string, appsDomain = 'localhost'): FieldError[] {
  const problems: FieldError[] = [];
  const dup = <T>(items: readonly T[], key: (t: T) => string | number, what: string, sub: string) => {
    const seen = new Set<string | number>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) problems.push({ field: `${field}/${sub}/${i}`, message: `duplicate ${what} ${k}` });
      seen.add(k);
    });
  };
  dup(settings.ports, (p) => p.containerPort, 'containerPort', 'ports');
  dup(settings.env, (e) => e.key, 'env key', 'env');
  dup(settings.storage, (s) => s.mountPath, 'mountPath', 'storage');
  for (const p of customDomainProblems(settings.domains ?? [], settings.ports, appsDomain)) {
    problems.push({ field: `${field}/domains/${p.index}/${p.field}`, message: p.message });
  }
  return problems;
}

/**
 * The mask is a placeholder, never a value: a new secret cannot be the mask. A secret value
 * too short to redact from logs safely is refused (docs/resources.md#settings).
 */
function resolveEnv(incoming: readonly EnvVar[], previous: readonly EnvVar[], field: string, problems: FieldError[]): EnvVar[] {
  return resolveSecretValues(incoming, previous, (i) => `${field}/env/${i}/value`, problems);
}

/** resolveEnv for any list of variables (a service's env, a project's or environment's variables); `at` names the value's field. */
export function resolveSecretValues(incoming: readonly EnvVar[], previous: readonly EnvVar[], at: (index: number) => string, problems: FieldError[]): EnvVar[] {
  return incoming.map((v, i) => {
    if (!v.secret) return v;
    if (v.value !== SECRET_MASK) {
      if (v.value.length < MIN_SECRET_LENGTH) {
        problems.push({ field: at(i), message: `a secret value has at least ${MIN_SECRET_LENGTH} characters (shorter ones cannot be redacted from logs safely)` });
      }
      return v;
    }
    const old = previous.find((p) => p.key === v.key && p.secret);
    if (!old) {
      problems.push({ field: at(i), message: `the mask ${SECRET_MASK} keeps an existing secret value; ${v.key} has none` });
      return v;
    }
    return { ...v, value: old.value };
  });
}

function mergeSettings(base: ServiceSettings, input: ServiceSettingsInputT | undefined): ServiceSettings {
  if (!input) return base;
  const filled = Value.Default(ServiceSettingsInput, structuredClone(input)) as ServiceSettingsInputT;
  return { ...base, ...(filled as Partial<ServiceSettings>) };
}

/**
 * A managed database without a provider could be created but never deployed nor deleted at a
 * provider: refused, naming the setting. An existing one keeps being editable (and deletable).
 */
function managedDatabaseProblems(typed: TypedSource, previous: TypedSource | null, options: ServiceInputOptions, field: string): FieldError[] {
  const managed = (s: TypedSource | null) => s !== null && isManagedDatabase(s);
  if (options.managedDatabases || !managed(typed) || managed(previous)) return [];
  return [{ field: `${field}/mode`, message: `mode managed is not available: ${NO_MANAGED_DATABASE_PROVIDER}; or use mode container` }];
}

export function newServiceFromBody(environment: Pick<Environment, 'id' | 'runtime'>, body: CreateServiceBodyT, options: ServiceInputOptions) {
  const environmentId = environment.id;
  const defaulted = Value.Default(SOURCE_SCHEMA_BY_TYPE[body.type], structuredClone(body.source)) as ServiceSource;
  const typed = withJobDefaults(typedBodySource(body.type, defaulted, 'body/source'));
  const settings = mergeSettings({ ...DEFAULT_SERVICE_SETTINGS }, body.settings);
  const problems = [
    ...sourceProblems(typed, 'body/source', environment.runtime),
    ...managedDatabaseProblems(typed, null, options, 'body/source'),
    ...buildRegistryProblems(typed, environment.runtime, options, 'body/source'),
    ...settingsProblems(settings, 'body/settings', options.appsDomain),
    ...publishedTcpProblems(settings, environment.runtime, options, 'body/settings'),
  ];
  settings.env = resolveEnv(settings.env, [], 'body/settings', problems);
  if (problems.length > 0) throw validationFailed(problems);
  // A database gets its credentials now, kept as (secret) env of its service (docs/resources.md#databases).
  if (typed.type === 'database') {
    settings.env = withDatabaseCredentials(typed.source, body.name, settings.env, randomSecret);
  }
  return { environmentId, name: body.name, ...typed, settings };
}

/**
 * The store patch for a PATCH body; the service's type decides which source is acceptable, its
 * environment's runtime which git URLs.
 */
export function servicePatchFromBody(service: Service, body: PatchServiceBodyT, runtime: RuntimeKind, options: ServiceInputOptions): ServicePatch {
  const patch: ServicePatch = {};
  const problems: FieldError[] = [];
  if (body.name !== undefined) patch.name = body.name;
  if (body.stageId !== undefined) patch.stageId = body.stageId;
  if (body.skipEnvironmentActions !== undefined) patch.skipEnvironmentActions = body.skipEnvironmentActions;
  if (body.source !== undefined) {
    const schema = SOURCE_SCHEMA_BY_TYPE[service.type];
    check(schema, body.source, 'body/source');
    const defaulted = Value.Default(schema, structuredClone(body.source)) as ServiceSource;
    const typed = keepMaskedGitUrl(withJobDefaults(typedBodySource(service.type, defaulted, 'body/source')), service);
    problems.push(...sourceProblems(typed, 'body/source', runtime));
    problems.push(...managedDatabaseProblems(typed, service, options, 'body/source'));
    problems.push(...buildRegistryProblems(typed, runtime, options, 'body/source'));
    patch.source = typed.source;
    if (editsPinnedImage(service, typed)) patch.targetVersion = null;
  }
  if (body.settings !== undefined) {
    const settings = mergeSettings(service.settings, body.settings);
    settings.env = resolveEnv(settings.env, service.settings.env, 'body/settings', problems);
    problems.push(...settingsProblems(settings, 'body/settings', options.appsDomain));
    problems.push(...publishedTcpProblems(settings, runtime, options, 'body/settings'));
    patch.settings = settings;
  }
  if (problems.length > 0) throw validationFailed(problems);
  return patch;
}

/**
 * An edit of the image a pinned service pulls (its name or tag; a database's version or image)
 * is the version the user now shows, so it replaces the pin of Deploy other version and the
 * next Redeploy deploys it (docs/actions.md#the-version-deployed-is-the-version-shown). A git
 * service keeps its commit on a source edit: only Deploy latest version, auto-deploy and Deploy
 * other version move it.
 */
function editsPinnedImage(service: Service, typed: TypedSource): boolean {
  if (!service.targetVersion) return false;
  const followed = (t: TypedSource): string | null => {
    const unpinned: Service = { ...service, ...t, targetVersion: null };
    const code = codeSource(unpinned);
    if (code && isGitSource(code)) return null;
    const version = versionToDeploy(unpinned);
    if (version === null) return null;
    const image = imageToPull(unpinned, version);
    return `${image.name}:${image.tag}`;
  };
  const before = followed(service);
  const after = followed(typed);
  return after !== null && after !== before;
}

/**
 * The mask is a placeholder, never a credential: it keeps the stored credentials only when the
 * URL comes back exactly as the API showed it (keepMaskedGitUrl has put them back then).
 */
function maskedCredentialsProblem(url: string): string | null {
  const userinfo = splitUrlUserinfo(url)?.userinfo;
  if (userinfo === undefined || !userinfo.split(':').includes(SECRET_MASK)) return null;
  return `the mask ${SECRET_MASK} keeps the stored credentials only when the rest of the URL is unchanged; give the credentials again`;
}

/** A git URL sent back as the API showed it (credentials masked) keeps the stored one. */
function keepMaskedGitUrl(typed: TypedSource, previous: TypedSource): TypedSource {
  const next = codeSource(typed);
  const prev = codeSource(previous);
  if (!next || !prev || !isGitSource(next) || !isGitSource(prev)) return typed;
  if (next.git.url === prev.git.url || next.git.url !== maskGitUrl(prev.git.url)) return typed;
  const fixed = { git: { ...next.git, url: prev.git.url } };
  if (typed.type === 'job') return { type: 'job', source: { ...typed.source, source: fixed } };
  // Only a job's inner source and an application's source are git.
  return typed.type === 'application' ? { type: 'application', source: fixed } : typed;
}
