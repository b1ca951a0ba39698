import {
  errorMessage,
  operationOf,
  planStages,
  queuedStatusOf,
  servicesTouched,
  unavailableReason,
  type DeploymentStatus,
  type Environment,
  type Project,
  type Service,
} from '../domain/index.js';
import type { Deployment } from '../store/store.js';
import { secretValues, versionToDeploy } from './desired-spec.js';
import { DeploymentJournal, publishDeploymentStatus } from './deployment-journal.js';
import { endInterrupted, finish, removeDeleted } from './deployment-endings.js';
import type { RunnerDeps } from './runner-deps.js';
import { environmentTarget, serviceTarget } from './service-target.js';
import { hasDatabaseCredentials, injectedConnections, withDatabaseCredentials } from './databases.js';
import { memoize } from './memoize.js';
import type { OperationContext, Runtime } from '../runtime/runtime.js';
import { serviceTask } from './service-tasks.js';
import { FirstError, runStages, type RunnableStage } from './stage-runner.js';
import { BuildSet, commitsToDeploy, gitSecretValues, gitSourceOf } from './builds.js';
import type { StepHandle } from './deployment-journal.js';

/** A step finished once: a build's start and its service's task may both end QUEUEING. */
function once(step: StepHandle): StepHandle {
  let finished: Promise<void> | undefined;
  return { finish: (status, message) => (finished ??= step.finish(status, message)) };
}

/** Runs one claimed deployment to its end. Never throws: every failure ends the deployment explicitly. */
export async function runDeployment(
  deps: RunnerDeps,
  deployment: Deployment,
  signal: AbortSignal,
  forceSignal: AbortSignal = new AbortController().signal,
  /** Called once every service of the request shows its queued status (not called when it ends before). */
  onServicesQueued: () => void = () => undefined,
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
    await execute(deps, deployment, project, environment, signal, forceSignal, onServicesQueued);
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
  onServicesQueued: () => void,
): Promise<void> {
  const { store, runtimes, runningStates } = deps;
  const { request } = deployment;
  let runtime: Runtime;
  try {
    runtime = runtimes.forEnvironment(environment);
  } catch (err) {
    // No such runtime on this server: say so, and touch nothing.
    await finish(deps, project, deployment, 'ERROR', errorMessage(err));
    return;
  }
  const all = await store.listServices(environment.id);
  let touched = servicesTouched(request, all);
  const reason = unavailableReason(request, all, touched);
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
      const env = withDatabaseCredentials(service.source, service.name, service.settings.env);
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
  const followHead = request.action === 'DEPLOY_LATEST';
  // The version each service deploys, as far as it is known without asking a git remote.
  const knownVersion = (service: Service): string | null => {
    if (operation !== 'deploy') return service.deployedVersion;
    return followHead && gitSourceOf(service) ? null : versionToDeploy(service);
  };
  // Records (or re-records) the deployment's services, all of them or `only` those.
  const record = (
    version: (service: Service) => string | null,
    status: (service: Service) => DeploymentStatus,
    only?: ReadonlySet<string>,
  ) =>
    store.recordDeploymentServices(
      deployment.id,
      stages.flatMap((stage) =>
        stage.serviceIds
          .filter((id) => !only || only.has(id))
          .map((id) => {
            const service = byId.get(id)!;
            return {
              serviceId: id,
              name: service.name,
              type: service.type,
              stageName: stage.name,
              stageOrder: stage.order,
              version: version(service),
              status: status(service),
            };
          }),
      ),
    );
  // Recorded before any service moves: recovery finds the services of a deployment here.
  await record(knownVersion, (service) => service.status);

  const journal = new DeploymentJournal(
    store,
    deps.events,
    runningStates,
    deployment,
    project.id,
    // All the environment's secrets: the databases' passwords reach other services' env.
    [...secretValues(current), ...gitSecretValues(touched)],
    current,
  );
  // Every service moves to its queued status first: the API answers a request that started at
  // once only after this (SPEC §5), so a read right after the answer never shows the old status.
  const queued = queuedStatusOf(operation);
  const queueing = new Map<string, StepHandle>();
  for (const stage of stages) {
    for (const id of stage.serviceIds) {
      await journal.moveService(id, queued);
      queueing.set(id, once(await journal.startStep(id, 'QUEUEING')));
    }
  }
  onServicesQueued();

  // Reading a branch head asks the git remote: done once the services show they are queued.
  const commits = operation === 'deploy' ? await commitsToDeploy(deps.builder, touched, signal, { followHead }) : new Map<string, string | Error>();
  const resolved = new Set(
    [...commits].filter(([id, commit]) => typeof commit === 'string' && commit !== knownVersion(byId.get(id)!)).map(([id]) => id),
  );
  if (resolved.size > 0) await record((service) => commits.get(service.id) as string, () => queued, resolved);

  // Services of one deployment often share an image: pull and resolve each once.
  const resolveImage = memoize((image: { name: string; tag: string }, op: OperationContext) => runtime.resolveImage(image, op), (image) => `${image.name}:${image.tag}`);
  const firstError = new FirstError();
  const builds = new BuildSet({
    builder: deps.builder,
    journal,
    project,
    signal,
    maxParallelBuilds: environment.settings.maxParallelBuilds,
    firstError,
    builtImages: runtime.builtImages,
  });
  const shared = {
    store,
    runtime,
    journal,
    runningStates,
    project,
    environment,
    signal,
    forceSignal,
    scheduler: deps.scheduler,
    managedDatabases: deps.managedDatabases,
    managedPollMs: deps.managedPollMs,
    keepData: request.keepData ?? false,
    resolveImage,
    builds,
    builder: deps.builder,
  };
  const runnable: RunnableStage[] = [];
  for (const stage of stages) {
    const tasks = [];
    for (const id of stage.serviceIds) {
      const service = byId.get(id)!;
      const step = queueing.get(id)!;
      // Builds do not wait for stages (SPEC §5): each starts now, bounded by maxParallelBuilds.
      const commit = commits.get(id);
      if (commit !== undefined) builds.start(service, stage.name, commit, step);
      const context = { ...shared, injectedEnv: service.type === 'database' ? {} : injectedEnv };
      tasks.push(serviceTask(context, service, operation, step));
    }
    runnable.push({ name: stage.name, tasks });
  }

  if (operation === 'deploy' && touched.length > 0) {
    const log: OperationContext['log'] = (level, message) => void journal.log(null, 'DEPLOY', level, message);
    try {
      await runtime.prepareEnvironment(environmentTarget(project, environment), { signal, log });
    } catch (err) {
      // An unreachable runtime (cluster, Docker Engine) is not a crash of the deployment: each
      // service's deploy prepares the environment again and ends in error with the reason.
      log('error', `cannot prepare the environment: ${errorMessage(err)}`);
    }
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

