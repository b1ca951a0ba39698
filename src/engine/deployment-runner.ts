import type { Logger } from 'pino';
import {
  STOPPABLE_STATUSES,
  environmentActionAvailability,
  interruptedStatus,
  isInProgress,
  operationOf,
  planStages,
  queuedStatusOf,
  serviceActionAvailability,
  type DatabaseSource,
  type Environment,
  type Project,
  type Service,
} from '../domain/index.js';
import type { Deployment, Store } from '../store/store.js';
import { secretValues, versionToDeploy } from './desired-spec.js';
import { DeploymentJournal, publishDeploymentStatus, publishEnvironmentStatus } from './deployment-journal.js';
import type { EventBus } from './events.js';
import type { RunningStates } from './running-states.js';
import type { RuntimeResolver } from './runtime-resolver.js';
import { environmentTarget, serviceTarget } from './service-target.js';
import { hasDatabaseCredentials, injectedConnections, withDatabaseCredentials } from './databases.js';
import { memoize } from './memoize.js';
import type { OperationContext, Runtime } from '../runtime/runtime.js';
import { serviceTask } from './service-tasks.js';
import { FirstError, runStages, type RunnableStage } from './stage-runner.js';
import type { Builder } from './builder.js';
import type { CronScheduler } from './cron-scheduler.js';
import type { ManagedDatabaseProvider } from './managed-databases/provider.js';
import { BuildSet, gitSecretValues, gitSourceOf } from './builds.js';
import type { StepHandle } from './deployment-journal.js';

export interface RunnerDeps {
  store: Store;
  events: EventBus;
  runtimes: RuntimeResolver;
  runningStates: RunningStates;
  logger: Logger;
  /** Builds git services; without it their deploys fail with BUILD_ERROR. */
  builder?: Builder;
  /** Slipway's scheduler of cron jobs (docker runtime). */
  scheduler?: CronScheduler;
  /** Drives managed databases; without it their deploys fail saying so. */
  managedDatabases?: ManagedDatabaseProvider;
  managedPollMs?: number;
}

/** A step finished once: a build's start and its service's task may both end QUEUEING. */
function once(step: StepHandle): StepHandle {
  let finished: Promise<void> | undefined;
  return { finish: (status, message) => (finished ??= step.finish(status, message)) };
}

/**
 * The commit each git service deploys (SPEC §4.2): the one it is pinned to, else the head of
 * its branch now. A head that cannot be read is that service's build error.
 */
async function commitsToDeploy(builder: Builder | undefined, services: readonly Service[], signal: AbortSignal): Promise<Map<string, string | Error>> {
  const commits = new Map<string, string | Error>();
  await Promise.all(
    services.map(async (service) => {
      const git = gitSourceOf(service);
      if (!git) return;
      if (service.targetVersion) return commits.set(service.id, service.targetVersion);
      if (!builder) return commits.set(service.id, new Error('this Slipway server has no image builder configured'));
      try {
        commits.set(service.id, await builder.headCommit(git, signal));
      } catch (error) {
        commits.set(service.id, error instanceof Error ? error : new Error(String(error)));
      }
    }),
  );
  return commits;
}

/** The services an action touches, among the environment's (SPEC §4.1, §5). */
function servicesTouched(deployment: Deployment, services: Service[]): Service[] {
  const { request } = deployment;
  const live = services.filter((s) => s.status !== 'DELETED');
  if (request.level === 'service' || request.action === 'DEPLOY_LATEST') {
    return live.filter((s) => request.serviceIds.includes(s.id));
  }
  const included = live.filter((s) => !s.skipEnvironmentActions);
  if (request.action === 'STOP') return included.filter((s) => STOPPABLE_STATUSES.has(s.status));
  return included;
}

/** Why the action no longer holds now that its turn came, or null when it does. */
function unavailableReason(deployment: Deployment, all: Service[], touched: Service[]): string | null {
  const { request } = deployment;
  if (request.level === 'service') {
    const service = touched[0];
    if (!service) return 'the service no longer exists';
    const availability = serviceActionAvailability(request.action, service, null);
    return availability.available ? null : (availability.reason ?? 'not available');
  }
  const availability = environmentActionAvailability(
    request.action,
    all.filter((s) => !s.skipEnvironmentActions),
    null,
  );
  if (!availability.available) return availability.reason ?? 'not available';
  if (request.action === 'DEPLOY_LATEST' && touched.length === 0) return 'none of the chosen services exists any more';
  return null;
}

async function finish(
  deps: RunnerDeps,
  project: Project | undefined,
  deployment: Deployment,
  status: 'SUCCESS' | 'ERROR' | 'CANCELED' | 'SKIPPED',
  message: string | null,
): Promise<void> {
  await deps.store.finishDeployment(deployment.id, status, message);
  publishDeploymentStatus(deps.events, project?.id ?? '', deployment, status, message);
}

/** Runs one claimed deployment to its end. Never throws: every failure ends the deployment explicitly. */
export async function runDeployment(
  deps: RunnerDeps,
  deployment: Deployment,
  signal: AbortSignal,
  forceSignal: AbortSignal = new AbortController().signal,
): Promise<void> {
  const { store, logger } = deps;
  const environment = await store.getEnvironment(deployment.environmentId);
  const project = environment && (await store.getProject(environment.projectId));
  if (!environment || !project) {
    await finish(deps, project, deployment, 'SKIPPED', 'the environment no longer exists');
    return;
  }
  publishDeploymentStatus(deps.events, project.id, deployment, 'RUNNING', null);
  try {
    await execute(deps, deployment, project, environment, signal, forceSignal);
  } catch (err) {
    logger.error({ err, deploymentId: deployment.id }, 'deployment failed unexpectedly');
    await endInterrupted(deps, deployment, project, 'the deployment failed unexpectedly; see the server log');
  }
}

async function execute(
  deps: RunnerDeps,
  deployment: Deployment,
  project: Project,
  environment: Environment,
  signal: AbortSignal,
  forceSignal: AbortSignal,
): Promise<void> {
  const { store, runtimes, runningStates } = deps;
  const { request } = deployment;
  let runtime: Runtime;
  try {
    runtime = runtimes.forEnvironment(environment);
  } catch (err) {
    // No such runtime on this server: say so, and touch nothing.
    await finish(deps, project, deployment, 'ERROR', err instanceof Error ? err.message : String(err));
    return;
  }
  const all = await store.listServices(environment.id);
  let touched = servicesTouched(deployment, all);
  const reason = unavailableReason(deployment, all, touched);
  if (reason) {
    await finish(deps, project, deployment, 'SKIPPED', reason);
    return;
  }

  // Deploy other version pins the service; Deploy latest makes it follow its source again.
  if (request.action === 'DEPLOY_VERSION') {
    for (const [serviceId, version] of Object.entries(request.versions)) await store.setTargetVersion(serviceId, version);
  } else if (request.action === 'DEPLOY_LATEST') {
    for (const service of touched) await store.setTargetVersion(service.id, null);
  }
  // A database created without credentials (not through the API) gets them now, once.
  for (const service of all) {
    if (service.type === 'database' && !hasDatabaseCredentials(service)) {
      const env = withDatabaseCredentials(service.source as DatabaseSource, service.name, service.settings.env);
      await store.updateService(service.id, { settings: { ...service.settings, env } });
    }
  }
  const ids = new Set(touched.map((s) => s.id));
  const current = await store.listServices(environment.id);
  touched = current.filter((s) => ids.has(s.id));
  // Every service but the databases gets the databases' connections (SPEC §1).
  const injectedEnv = injectedConnections(current, (db) => runtime.serviceHost?.(serviceTarget(project, environment, db)) ?? db.name);

  const operation = operationOf(request.action);
  const stages = planStages(touched, await store.listStages(environment.id), operation);
  const byId = new Map(touched.map((s) => [s.id, s]));
  const commits = operation === 'deploy' ? await commitsToDeploy(deps.builder, touched, signal) : new Map<string, string | Error>();
  const recordedVersion = (service: Service): string | null => {
    const commit = commits.get(service.id);
    if (commit !== undefined) return typeof commit === 'string' ? commit : null;
    return operation === 'deploy' ? versionToDeploy(service) : service.deployedVersion;
  };
  await store.recordDeploymentServices(
    deployment.id,
    stages.flatMap((stage) =>
      stage.serviceIds.map((id) => {
        const service = byId.get(id)!;
        return {
          serviceId: id,
          name: service.name,
          type: service.type,
          stageName: stage.name,
          stageOrder: stage.order,
          version: recordedVersion(service),
          status: service.status,
        };
      }),
    ),
  );

  const journal = new DeploymentJournal(
    store,
    deps.events,
    runningStates,
    deployment,
    project.id,
    // All the environment's secrets: the databases' passwords reach other services' env.
    [...secretValues(current), ...gitSecretValues(touched)],
    await store.listServices(environment.id),
  );
  // Services of one deployment often share an image: pull and resolve each once.
  const resolveImage = memoize((image: { name: string; tag: string }, op: OperationContext) => runtime.resolveImage(image, op), (image) => `${image.name}:${image.tag}`);
  const queued = queuedStatusOf(operation);
  const firstError = new FirstError();
  const builds = new BuildSet({
    builder: deps.builder,
    journal,
    project,
    signal,
    maxParallelBuilds: environment.settings.maxParallelBuilds,
    firstError,
    runtime: environment.runtime,
  });
  const runnable: RunnableStage[] = [];
  for (const stage of stages) {
    const tasks = [];
    for (const id of stage.serviceIds) {
      const service = byId.get(id)!;
      await journal.moveService(id, queued);
      const queueing = once(await journal.startStep(id, 'QUEUEING'));
      // Builds do not wait for stages (SPEC §5): each starts now, bounded by maxParallelBuilds.
      const commit = commits.get(id);
      if (commit !== undefined) builds.start(service, stage.name, commit, queueing);
      tasks.push(
        serviceTask(
          {
            store,
            runtime,
            journal,
            runningStates,
            project,
            environment,
            signal,
            forceSignal,
            injectedEnv: service.type === 'database' ? {} : injectedEnv,
            ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
            ...(deps.managedDatabases ? { managedDatabases: deps.managedDatabases } : {}),
            ...(deps.managedPollMs !== undefined ? { managedPollMs: deps.managedPollMs } : {}),
            keepData: request.keepData ?? false,
            resolveImage,
            builds,
            ...(deps.builder ? { builder: deps.builder } : {}),
          },
          service,
          operation,
          queueing,
        ),
      );
    }
    runnable.push({ name: stage.name, tasks });
  }

  if (operation === 'deploy' && touched.length > 0) {
    await runtime.prepareEnvironment(environmentTarget(project, environment), {
      signal,
      log: (level, message) => void journal.log(null, 'DEPLOY', level, message),
    });
  }

  const result = await runStages(runnable, { maxParallel: environment.settings.maxParallelDeploys, signal, firstError });
  await builds.settled();
  await journal.settled();

  if (operation === 'delete') await removeDeleted(deps, project, environment, deployment);

  if (result.outcome === 'failed') {
    const first = result.firstFailure!;
    await finish(deps, project, deployment, 'ERROR', `${first.task} failed in stage ${first.stage}`);
  } else if (result.outcome === 'canceled') {
    await finish(deps, project, deployment, 'CANCELED', 'canceled by a user');
  } else {
    await finish(deps, project, deployment, 'SUCCESS', null);
  }
}

/** A deleted service leaves the store (its history stays); a deleted environment too, once empty. */
async function removeDeleted(deps: RunnerDeps, project: Project, environment: Environment, deployment: Deployment): Promise<void> {
  const { store } = deps;
  for (const service of await store.listServices(environment.id)) {
    if (service.status === 'DELETED') {
      await store.releaseHostPorts(service.id);
      await store.deleteService(service.id);
      deps.runningStates.forget(service.id);
    }
  }
  if (deployment.request.level === 'environment' && (await store.listServices(environment.id)).length === 0) {
    await deps.runtimes.forEnvironment(environment).deleteEnvironment(environmentTarget(project, environment), {
      signal: new AbortController().signal,
      log: () => undefined,
    });
    await store.deleteEnvironment(environment.id);
  } else {
    await publishEnvironmentStatus(store, deps.events, deps.runningStates, project.id, environment.id);
  }
}

/**
 * Ends a deployment that cannot go on (its process died, or an unexpected error): every
 * service it left in progress takes the explicit end of interruptedStatus, and the
 * deployment ends ERROR, which unlocks the environment.
 */
export async function endInterrupted(deps: RunnerDeps, deployment: Deployment, project: Project | undefined, message: string): Promise<void> {
  const { store } = deps;
  const detail = await store.getDeploymentDetail(deployment.id);
  const serviceIds = detail?.stages.flatMap((stage) => stage.services.map((s) => s.serviceId)) ?? [];
  for (const serviceId of serviceIds) {
    const service = await store.getService(serviceId);
    if (!service || !isInProgress(service.status)) continue;
    const end = interruptedStatus(service.status);
    if (!end) continue;
    try {
      await store.setServiceStatus(serviceId, end, message);
      await store.setDeploymentServiceStatus(deployment.id, serviceId, end);
      if (project) {
        deps.events.publish({
          type: 'service.status',
          projectId: project.id,
          environmentId: deployment.environmentId,
          serviceId,
          status: end,
          message,
        });
      }
    } catch (err) {
      deps.logger.warn({ err, serviceId }, 'could not end an interrupted service');
    }
  }
  await finish(deps, project, deployment, 'ERROR', message);
  if (project) await publishEnvironmentStatus(store, deps.events, deps.runningStates, project.id, deployment.environmentId);
}
