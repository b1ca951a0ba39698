import {
  DEFAULT_ENVIRONMENT_SETTINGS,
  DEFAULT_SERVICE_SETTINGS,
  DomainError,
  planEnvironment,
  sameValue,
  type DatabaseSource,
  type Environment,
  type EnvVar,
  type Origin,
  type PlanChange,
  type Project,
  type Service,
  type ServiceShape,
  DATABASE_ENGINES,
} from '../domain/index.js';
import type { ControlPlane } from '../engine/control-plane.js';
import type { NewService, ServicePatch, Store } from '../store/store.js';
import { validationFailed, type FieldError } from './errors.js';
import { maskSource } from './present.js';
import type { EnvironmentFileT } from './schemas/environment-file.js';
import type { CreateServiceBodyT } from './schemas/service.js';
import { newServiceFromBody, servicePatchFromBody, type ServiceInputOptions } from './service-input.js';

/**
 * Applying an environment file (`POST /apply`): every service of the file goes through the
 * same input rules as the service API (service-input.ts), all of them before anything is
 * written, so a file with one bad field changes nothing. The plan itself is the domain's
 * (planEnvironment); this turns it into store writes, and the store's resources back into a file
 * (export).
 */

export interface ApplyOptions {
  dryRun: boolean;
  prune: boolean;
  origin: Origin;
  triggeredBy: string;
  serviceInput: ServiceInputOptions;
}

export interface ApplyResult {
  projectId: string | null;
  environmentId: string | null;
  dryRun: boolean;
  changes: PlanChange[];
  deletions: Array<{ service: string; deploymentId: string }>;
}

/** The environment settings a file can say, with their defaults. */
function environmentSettings(settings: Partial<Environment['settings']> | undefined) {
  return {
    maxParallelBuilds: settings?.maxParallelBuilds ?? DEFAULT_ENVIRONMENT_SETTINGS.maxParallelBuilds,
    maxParallelDeploys: settings?.maxParallelDeploys ?? DEFAULT_ENVIRONMENT_SETTINGS.maxParallelDeploys,
  };
}

/** The env keys Slipway generated for a database (its credentials), which a file need not repeat. */
export function databaseCredentialKeys(source: DatabaseSource): Set<string> {
  return new Set(Object.keys(DATABASE_ENGINES[source.engine].credentialEnv('user', 'password', 'database', () => 'secret')));
}

/** A file error at `body/…` of one service, re-rooted at `body/services/<index>/…`. */
function reroot(error: unknown, index: number): FieldError[] {
  if (!(error instanceof DomainError) || error.code !== 'VALIDATION_FAILED') throw error;
  const details = Array.isArray(error.details) ? (error.details as FieldError[]) : [{ field: 'body', message: error.message }];
  return details.map((d) => ({ field: d.field.replace(/^body(\/|$)/, `body/services/${index}$1`), message: d.message }));
}

/**
 * The update a file's service means for an existing one: the whole settings (what the file
 * leaves out is the default, not the current value), through the PATCH rules (masked secrets
 * kept, git URL credentials kept, a pinned image unpinned by an edit). A database keeps the
 * credentials Slipway generated unless the file names them.
 */
function updateOf(existing: Service, body: CreateServiceBodyT, runtime: Environment['runtime'], options: ServiceInputOptions): ServicePatch {
  const fileSettings = body.settings ?? {};
  let env = (fileSettings.env ?? []) as EnvVar[];
  if (existing.type === 'database') {
    const generated = databaseCredentialKeys(existing.source);
    const kept = existing.settings.env.filter((v) => generated.has(v.key) && !env.some((e) => e.key === v.key));
    env = [...env, ...kept];
  }
  const { command: _defaultCommand, ...defaults } = DEFAULT_SERVICE_SETTINGS;
  const settings = { ...defaults, ...fileSettings, env };
  const patch = servicePatchFromBody(existing, { source: body.source as Record<string, unknown>, settings }, runtime, options);
  // Merged over the current settings, a command the file leaves out would stay.
  if (patch.settings && fileSettings.command === undefined) delete patch.settings.command;
  return patch;
}

interface Prepared {
  index: number;
  body: CreateServiceBodyT;
  existing?: Service;
  /** The service to create; its environmentId is set once the environment exists. */
  create?: NewService;
  patch?: ServicePatch;
  shape: ServiceShape;
}

export async function applyEnvironmentFile(store: Store, controlPlane: ControlPlane, file: EnvironmentFileT, options: ApplyOptions): Promise<ApplyResult> {
  const problems: FieldError[] = [];
  if ((file.variables ?? []).length > 0) {
    problems.push({ field: 'body/variables', message: 'environment-scope variables are not available on this server yet: put them in each service\'s settings.env' });
  }
  const project: Project | undefined = (await store.listProjects()).find((p) => p.name === file.project);
  const environment: Environment | undefined = project ? (await store.listEnvironments(project.id)).find((e) => e.name === file.name) : undefined;
  if (environment && file.runtime !== undefined && file.runtime !== environment.runtime) {
    problems.push({ field: 'body/runtime', message: `cannot change: ${file.project}/${file.name} runs on ${environment.runtime} since its creation` });
  }
  const runtime = environment?.runtime ?? file.runtime ?? 'docker';
  const current = environment ? (await store.listServices(environment.id)).filter((s) => s.status !== 'DELETED') : [];

  const prepared: Prepared[] = [];
  file.services.forEach((body, index) => {
    const existing = current.find((s) => s.name === body.name);
    try {
      if (existing && existing.type === body.type) {
        const patch = updateOf(existing, body, runtime, options.serviceInput);
        const shape = { name: body.name, type: body.type, source: patch.source ?? existing.source, settings: patch.settings ?? existing.settings };
        prepared.push({ index, body, existing, patch, shape });
      } else {
        const create = newServiceFromBody({ id: environment?.id ?? '', runtime }, body, options.serviceInput);
        prepared.push({ index, body, ...(existing ? { existing } : {}), create, shape: { name: create.name, type: create.type, source: create.source, settings: create.settings } });
      }
    } catch (error) {
      problems.push(...reroot(error, index));
    }
  });

  const plan = planEnvironment({
    project: { name: file.project, exists: project !== undefined },
    environment: {
      name: file.name,
      current: environment ? environmentSettings(environment.settings) : null,
      desired: environmentSettings(file.settings),
    },
    services: {
      current: current.map((s) => ({ name: s.name, type: s.type, source: s.source, settings: s.settings })),
      desired: prepared.map((p) => p.shape),
    },
    prune: options.prune,
  });
  // Shapes are only those of services that passed their rules: a plan problem's index is the file's.
  for (const p of plan.problems) {
    const index = prepared[p.index]?.index ?? p.index;
    problems.push({ field: `body/services/${index}/${p.field}`, message: p.message });
  }
  if (problems.length > 0) throw validationFailed(problems);

  const result: ApplyResult = {
    projectId: project?.id ?? null,
    environmentId: environment?.id ?? null,
    dryRun: options.dryRun,
    changes: plan.changes,
    deletions: [],
  };
  if (options.dryRun) return result;

  const projectId = project?.id ?? (await store.createProject({ name: file.project })).id;
  let envId = environment?.id;
  const desiredSettings = environmentSettings(file.settings);
  if (!environment) {
    envId = (await store.createEnvironment({ projectId, name: file.name, runtime, settings: { ...DEFAULT_ENVIRONMENT_SETTINGS, ...desiredSettings } })).id;
  } else if (!sameValue(environmentSettings(environment.settings), desiredSettings)) {
    await store.updateEnvironment(environment.id, { settings: desiredSettings });
  }
  const environmentId = envId!;
  for (const p of prepared) {
    const change = plan.changes.find((c) => c.kind === 'service' && c.name === p.shape.name);
    if (p.create) await store.createService({ ...p.create, environmentId });
    else if (p.existing && p.patch && change?.op === 'update') {
      const { source, settings, targetVersion } = p.patch;
      await store.updateService(p.existing.id, { ...(source ? { source } : {}), ...(settings ? { settings } : {}), ...(targetVersion === null ? { targetVersion } : {}) });
    }
  }
  for (const change of plan.changes.filter((c) => c.kind === 'service' && c.op === 'delete')) {
    const service = current.find((s) => s.name === change.name)!;
    // Deleting a service is the Delete action: its runtime resources go too, through the queue.
    const submitted = await controlPlane.submit({
      environmentId,
      action: 'DELETE',
      serviceId: service.id,
      keepData: false,
      origin: options.origin,
      triggeredBy: options.triggeredBy,
      queue: true,
    });
    result.deletions.push({ service: service.name, deploymentId: submitted.deploymentId });
  }
  return { ...result, projectId, environmentId };
}

/** The environment as a file that apply takes back unchanged: defaults left out, secrets as `${KEY}`. */
export function exportEnvironmentFile(project: Project, environment: Environment, services: readonly Service[]) {
  const settings = environmentSettings(environment.settings);
  return {
    apiVersion: 'slipway/v1' as const,
    kind: 'Environment' as const,
    project: project.name,
    name: environment.name,
    runtime: environment.runtime,
    ...(sameValue(settings, environmentSettings(undefined)) ? {} : { settings }),
    services: services
      .filter((s) => s.status !== 'DELETED')
      .map((s) => {
        const generated = s.type === 'database' ? databaseCredentialKeys(s.source) : new Set<string>();
        const env = s.settings.env
          .filter((v) => !generated.has(v.key))
          .map((v) => (v.secret ? { key: v.key, value: `\${${v.key}}`, secret: true } : { key: v.key, value: v.value }));
        const full: Record<string, unknown> = { ...s.settings, env };
        const defaults = DEFAULT_SERVICE_SETTINGS as unknown as Record<string, unknown>;
        const kept = Object.fromEntries(Object.entries(full).filter(([k, v]) => v !== undefined && !sameValue(v, defaults[k])));
        return { name: s.name, type: s.type, source: maskSource(s.source), ...(Object.keys(kept).length > 0 ? { settings: kept } : {}) };
      }),
  };
}
