import {
  DomainError,
  withFreshDatabaseCredentials,
  type Environment,
  type EnvironmentSettings,
  type RuntimeKind,
  type Service,
} from '../domain/index.js';
import { randomSecret } from '../engine/random-secret.js';
import type { Store } from '../store/store.js';
import { validationFailed } from './errors.js';
import { runtimeProblems, type ServiceInputOptions } from './service-input.js';

/**
 * A copy of an environment (docs/teams.md#clone): its settings, stages, variables and services
 * (sources, settings, secrets, stage, pins), all READY, nothing deployed. Secrets are read in
 * clear and written again, so the store encrypts them for their new rows; a database gets new
 * passwords. On another runtime every service is checked as a new one would be there, and
 * the clone is refused naming each service that could not run. A failure half-way removes
 * what was created.
 */
export async function cloneEnvironment(
  store: Store,
  source: Environment,
  target: { name: string; runtime?: RuntimeKind },
  options: ServiceInputOptions,
): Promise<Environment> {
  const runtime = target.runtime ?? source.runtime;
  const services = (await store.listServices(source.id)).filter((s) => s.status !== 'DELETED');
  const problems = services.flatMap((s) =>
    runtimeProblems(s, runtime, options, 'body/runtime').map((p) => ({ field: p.field, message: `service ${s.name} cannot run on ${runtime}: ${p.message}` })),
  );
  if (problems.length > 0) throw validationFailed(problems);
  if ((await store.listEnvironments(source.projectId)).some((e) => e.name === target.name)) {
    throw new DomainError('CONFLICT', `the project already has an environment named ${target.name}`);
  }
  const clone = await store.createEnvironment({ projectId: source.projectId, name: target.name, runtime, settings: settingsFor(source, runtime) });
  try {
    await copyContents(store, source, clone, services);
  } catch (error) {
    await store.deleteEnvironment(clone.id);
    throw error;
  }
  return clone;
}

/** A kubeconfig is the cluster of a kubernetes environment: kept on kubernetes, meaningless elsewhere. */
function settingsFor(source: Environment, runtime: RuntimeKind): EnvironmentSettings {
  const { kubeconfig, ...rest } = source.settings;
  return runtime === 'kubernetes' && source.runtime === 'kubernetes' && kubeconfig !== undefined ? { ...rest, kubeconfig } : rest;
}

async function copyContents(store: Store, source: Environment, clone: Environment, services: readonly Service[]): Promise<void> {
  const stageIds = new Map<string, string>();
  for (const stage of await store.listStages(source.id)) {
    stageIds.set(stage.id, (await store.createStage({ environmentId: clone.id, name: stage.name, order: stage.order })).id);
  }
  await store.replaceVariables({ environmentId: clone.id }, await store.listVariables({ environmentId: source.id }));
  for (const service of services) {
    const env = service.type === 'database' ? withFreshDatabaseCredentials(service.source, service.name, service.settings.env, randomSecret) : service.settings.env;
    const copy = await store.createService({ environmentId: clone.id, name: service.name, ...typed(service), settings: { ...service.settings, env } });
    const stageId = service.stageId === null ? null : (stageIds.get(service.stageId) ?? null);
    if (stageId !== null || service.skipEnvironmentActions) {
      await store.updateService(copy.id, { stageId, skipEnvironmentActions: service.skipEnvironmentActions });
    }
    // A pin (Deploy other version) is the version shown: the copy deploys the same.
    if (service.targetVersion !== null) await store.setTargetVersion(copy.id, service.targetVersion);
  }
}

/** The service's type with its source, kept together. */
function typed(service: Service) {
  switch (service.type) {
    case 'application':
      return { type: service.type, source: service.source };
    case 'container':
      return { type: service.type, source: service.source };
    case 'database':
      return { type: service.type, source: service.source };
    case 'job':
      return { type: service.type, source: service.source };
  }
}
