import { assertDomainsFree } from './domain-claims.js';
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
  type Stage,
} from '../domain/index.js';
import type { ControlPlane } from '../engine/control-plane.js';
import type { NewService, ServicePatch, Store } from '../store/store.js';
import { validationFailed, type FieldError } from './errors.js';
import type { ApplyResultViewT, EnvironmentFileServiceT, EnvironmentFileT } from './schemas/environment-file.js';
import type { CreateServiceBodyT } from './schemas/service.js';
import { newServiceFromBody, resolveSecretValues, servicePatchFromBody, type ServiceInputOptions } from './service-input.js';

/**
 * Applying an environment file (`POST /apply`): every service of the file goes through the
 * same input rules as the service API (service-input.ts), all of them before anything is
 * written, so a file with one bad field changes nothing. The plan itself is the domain's
 * (planEnvironment); this turns it into store writes. The environment's user-defined stages
 * and variables go with it (docs/environment-files.md).
 */

export interface ApplyOptions {
  dryRun: boolean;
  prune: boolean;
  origin: Origin;
  triggeredBy: string;
  serviceInput: ServiceInputOptions;
}

/** The answer of POST /apply, as its schema declares it. */
export type ApplyResult = ApplyResultViewT;

/** The environment settings a file can say, with their defaults. */
export function environmentSettings(settings: Partial<Environment['settings']> | undefined) {
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

/** What the environment has now (nothing when it does not exist yet). */
interface Current {
  project?: Project;
  environment?: Environment;
  services: Service[];
  stages: Stage[];
  variables: EnvVar[];
}

async function currentOf(store: Store, file: EnvironmentFileT): Promise<Current> {
  const project = (await store.listProjects()).find((p) => p.name === file.project);
  const environment = project ? (await store.listEnvironments(project.id)).find((e) => e.name === file.name) : undefined;
  if (!environment) return { ...(project ? { project } : {}), services: [], stages: [], variables: [] };
  const [services, stages, variables] = await Promise.all([
    store.listServices(environment.id),
    store.listStages(environment.id),
    store.listVariables({ environmentId: environment.id }),
  ]);
  return { project: project!, environment, services: services.filter((s) => s.status !== 'DELETED'), stages, variables };
}

/** The name of the user-defined stage a service runs in; null: its type's default stage. */
export function stageNameOf(service: Pick<Service, 'stageId'>, stages: readonly Stage[]): string | null {
  return stages.find((s) => s.id === service.stageId)?.name ?? null;
}

/** Each service of the file through the service API's rules; the ones that fail add their problems. */
function prepareServices(file: EnvironmentFileT, current: Current, runtime: Environment['runtime'], options: ServiceInputOptions, problems: FieldError[]): Prepared[] {
  const prepared: Prepared[] = [];
  file.services.forEach((fileService: EnvironmentFileServiceT, index) => {
    const { stage, skipEnvironmentActions, ...serviceBody } = fileService;
    const body = serviceBody as CreateServiceBodyT;
    const placement = { stage: stage ?? null, skipEnvironmentActions: skipEnvironmentActions ?? false };
    const existing = current.services.find((s) => s.name === body.name);
    try {
      if (existing && existing.type === body.type) {
        const patch = updateOf(existing, body, runtime, options);
        const shape = { name: body.name, type: body.type, source: patch.source ?? existing.source, settings: patch.settings ?? existing.settings, ...placement };
        prepared.push({ index, body, existing, patch, shape });
      } else {
        const create = newServiceFromBody({ id: current.environment?.id ?? '', runtime }, body, options);
        const shape = { name: create.name, type: create.type, source: create.source, settings: create.settings, ...placement };
        prepared.push({ index, body, ...(existing ? { existing } : {}), create, shape });
      }
    } catch (error) {
      problems.push(...reroot(error, index));
    }
  });
  return prepared;
}

export async function applyEnvironmentFile(store: Store, controlPlane: ControlPlane, file: EnvironmentFileT, options: ApplyOptions): Promise<ApplyResult> {
  const problems: FieldError[] = [];
  const current = await currentOf(store, file);
  const { project, environment } = current;
  if (environment && file.runtime !== undefined && file.runtime !== environment.runtime) {
    problems.push({ field: 'body/runtime', message: `cannot change: ${file.project}/${file.name} runs on ${environment.runtime} since its creation` });
  }
  const runtime = environment?.runtime ?? file.runtime ?? 'docker';
  // A secret sent as the mask keeps its stored value, as with PUT …/variables.
  const fileVariables = (file.variables ?? []).map((v) => ({ key: v.key, value: v.value, secret: v.secret ?? false }));
  const variables = resolveSecretValues(fileVariables, current.variables, (i) => `body/variables/${i}/value`, problems);
  const prepared = prepareServices(file, current, runtime, options.serviceInput, problems);

  const plan = planEnvironment({
    project: { name: file.project, exists: project !== undefined },
    environment: {
      name: file.name,
      current: environment ? environmentSettings(environment.settings) : null,
      desired: environmentSettings(file.settings),
    },
    services: {
      current: current.services.map((s) => ({ name: s.name, type: s.type, source: s.source, settings: s.settings, stage: stageNameOf(s, current.stages), skipEnvironmentActions: s.skipEnvironmentActions })),
      desired: prepared.map((p) => p.shape),
    },
    stages: { current: current.stages.map((s) => ({ name: s.name, order: s.order })), desired: file.stages ?? [] },
    variables: { current: current.variables, desired: variables },
    prune: options.prune,
  });
  for (const p of plan.problems) {
    // Shapes are only those of services that passed their rules: a plan problem's index is the file's.
    const index = p.list === 'services' ? (prepared[p.index]?.index ?? p.index) : p.index;
    problems.push({ field: `body/${p.list}/${index}/${p.field}`, message: p.message });
  }
  if (problems.length > 0) throw validationFailed(problems);
  // A host another service has is 409 here too (docs/edge.md#host-names).
  const inFile = new Map<string, number>();
  for (const p of prepared) {
    const domains = p.create?.settings.domains ?? p.patch?.settings?.domains ?? [];
    await assertDomainsFree(store, p.existing?.id ?? null, domains, `body/services/${p.index}/settings`);
    domains.forEach((d, i) => {
      const host = d.host.toLowerCase();
      const other = inFile.get(host);
      if (other !== undefined) {
        const message = `${host} is named by services ${other} and ${p.index} of the file`;
        throw new DomainError('CONFLICT', message, { fields: [{ field: `body/services/${p.index}/settings/domains/${i}/host`, message }] });
      }
      inFile.set(host, p.index);
    });
  }

  const result: ApplyResult = {
    projectId: project?.id ?? null,
    environmentId: environment?.id ?? null,
    dryRun: options.dryRun,
    changes: plan.changes,
    deletions: [],
  };
  if (options.dryRun) return result;

  const projectId = project?.id ?? (await store.createProject({ name: file.project })).id;
  const environmentId = await writeEnvironment(store, projectId, environment, file, runtime);
  const stageIds = await writeStages(store, environmentId, current.stages, file.stages ?? [], options.prune);
  if (plan.changes.some((c) => c.kind === 'variable' && c.op !== 'unchanged')) {
    const kept = options.prune ? [] : current.variables.filter((v) => !variables.some((f) => f.key === v.key));
    await store.replaceVariables({ environmentId }, [...variables, ...kept]);
  }
  await writeServices(store, environmentId, prepared, plan.changes, stageIds);
  for (const change of plan.changes.filter((c) => c.kind === 'service' && c.op === 'delete')) {
    const service = current.services.find((s) => s.name === change.name)!;
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

async function writeEnvironment(store: Store, projectId: string, environment: Environment | undefined, file: EnvironmentFileT, runtime: Environment['runtime']): Promise<string> {
  const desired = environmentSettings(file.settings);
  if (!environment) {
    return (await store.createEnvironment({ projectId, name: file.name, runtime, settings: { ...DEFAULT_ENVIRONMENT_SETTINGS, ...desired } })).id;
  }
  if (!sameValue(environmentSettings(environment.settings), desired)) await store.updateEnvironment(environment.id, { settings: desired });
  return environment.id;
}

/**
 * The file's stages created or updated (matched by name without case, as the stages API names
 * them), the others deleted with prune (their services go back to their default stage).
 * Answers each stage's id by its lower-case name.
 */
async function writeStages(store: Store, environmentId: string, current: readonly Stage[], desired: ReadonlyArray<{ name: string; order: number }>, prune: boolean): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const find = (name: string) => current.find((s) => s.name.toLowerCase() === name.toLowerCase());
  for (const stage of desired) {
    const existing = find(stage.name);
    if (!existing) ids.set(stage.name.toLowerCase(), (await store.createStage({ environmentId, name: stage.name, order: stage.order })).id);
    else {
      if (existing.name !== stage.name || existing.order !== stage.order) await store.updateStage(existing.id, { name: stage.name, order: stage.order });
      ids.set(stage.name.toLowerCase(), existing.id);
    }
  }
  for (const stage of current) {
    if (desired.some((d) => d.name.toLowerCase() === stage.name.toLowerCase())) continue;
    if (prune) await store.deleteStage(stage.id);
    else ids.set(stage.name.toLowerCase(), stage.id);
  }
  return ids;
}

async function writeServices(store: Store, environmentId: string, prepared: readonly Prepared[], changes: readonly PlanChange[], stageIds: ReadonlyMap<string, string>): Promise<void> {
  for (const p of prepared) {
    const change = changes.find((c) => c.kind === 'service' && c.name === p.shape.name);
    const stageId = p.shape.stage == null ? null : (stageIds.get(p.shape.stage.toLowerCase()) ?? null);
    const skipEnvironmentActions = p.shape.skipEnvironmentActions ?? false;
    if (p.create) {
      const created = await store.createService({ ...p.create, environmentId });
      if (stageId !== null || skipEnvironmentActions) await store.updateService(created.id, { stageId, skipEnvironmentActions });
    } else if (p.existing && p.patch && change?.op === 'update') {
      const { source, settings, targetVersion } = p.patch;
      await store.updateService(p.existing.id, {
        ...(source ? { source } : {}),
        ...(settings ? { settings } : {}),
        ...(targetVersion === null ? { targetVersion } : {}),
        stageId,
        skipEnvironmentActions,
      });
    }
  }
}
