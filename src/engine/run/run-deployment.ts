import {
  errorMessage,
  hasDatabaseCredentials,
  planDeployment,
  plannedServices,
  queuedStatusOf,
  secretValues,
  secretVariableValues,
  withDatabaseCredentials,
  type DeployedSpec,
  type DeploymentPlan,
  type DeploymentStatus,
  type Environment,
  type PlannedService,
  type Project,
  type Service,
} from '../../domain/index.js';
import type { OperationContext, Runtime } from '../../runtime/runtime.js';
import type { Deployment } from '../../store/store.js';
import type { KindContext } from '../kinds/index.js';
import { memoize } from '../memoize.js';
import { randomSecret } from '../random-secret.js';
import { schedulesOf } from '../schedules.js';
import type { RunnerDeps } from '../runner-deps.js';
import { environmentTarget, serviceTarget } from '../service-target.js';
import { BuildSet, commitsToBuild, gitSecretValues } from './builds.js';
import { DeploymentJournal, publishDeploymentStatus, type StepHandle } from './deployment-journal.js';
import { endInterrupted, finish, removeDeleted } from './deployment-endings.js';
import { serviceTask, startSlotChecks } from './service-task.js';
import { specHashSnapshot } from './spec-hash-snapshot.js';
import { FirstError, runStages, type RunnableStage, type StagesOutcome } from './stage-runner.js';

/** The signals of one claimed deployment: Cancel, and Cancel with force=true. */
export interface DeploymentSignals {
  cancel: AbortSignal;
  force: AbortSignal;
}

/** What one deployment's run knows once its plan is made. */
interface Run {
  deps: RunnerDeps;
  deployment: Deployment;
  project: Project;
  environment: Environment;
  runtime: Runtime;
  plan: DeploymentPlan;
  journal: DeploymentJournal;
  signals: DeploymentSignals;
}

/**
 * Runs one claimed deployment to its end: makes its plan (src/domain/deployment-plan.ts), then
 * executes it stage by stage. Never throws: every failure ends the deployment explicitly.
 * `onServicesQueued` is called once every service of the request shows its queued status.
 */
export async function runDeployment(deps: RunnerDeps, deployment: Deployment, signals: DeploymentSignals, onServicesQueued: () => void): Promise<void> {
  const environment = await deps.store.getEnvironment(deployment.environmentId);
  const project = environment && (await deps.store.getProject(environment.projectId));
  if (!environment || !project) {
    await finish(deps, project, deployment, 'SKIPPED', 'the environment no longer exists');
    return;
  }
  publishDeploymentStatus(deps.events, project.id, deployment, 'RUNNING', null);
  try {
    const run = await prepare(deps, deployment, project, environment, signals);
    if (run) await execute(run, onServicesQueued);
  } catch (err) {
    deps.logger.error({ err, deploymentId: deployment.id }, 'deployment failed unexpectedly');
    await endInterrupted(deps, deployment, project, 'the deployment failed unexpectedly; see the server log');
  }
}

/** Makes the plan and records it; ends the deployment (and returns nothing) when there is nothing to run. */
async function prepare(deps: RunnerDeps, deployment: Deployment, project: Project, environment: Environment, signals: DeploymentSignals): Promise<Run | undefined> {
  const { store } = deps;
  let runtime: Runtime;
  try {
    runtime = deps.runtimes.forEnvironment(environment);
  } catch (err) {
    // No such runtime on this server: say so, and touch nothing.
    await finish(deps, project, deployment, 'ERROR', errorMessage(err));
    return undefined;
  }
  const services = await withCredentials(deps, await store.listServices(environment.id));
  const variables = await store.scopedVariables(environment);
  const planned = planDeployment({
    request: deployment.request,
    services,
    stages: await store.listStages(environment.id),
    databaseHost: (db) => runtime.serviceHost?.(serviceTarget(project, environment, db)) ?? db.name,
    variables,
    ...(deployment.request.rollbackOf ? { rollbackSpecs: await rollbackSpecs(deps, deployment.request.rollbackOf) } : {}),
  });
  if ('skipped' in planned) {
    await finish(deps, project, deployment, 'SKIPPED', planned.skipped);
    return undefined;
  }
  const { plan } = planned;
  for (const restore of plan.restores) await store.updateService(restore.serviceId, { source: restore.source, settings: restore.settings });
  for (const pin of plan.pins) await store.setTargetVersion(pin.serviceId, pin.version);
  // Recorded before any service moves: recovery finds the services of a deployment here.
  await recordServices(deps, deployment, plan, (p) => p.service.status);
  // All the environment's secrets: the databases' passwords and the shared secret variables reach other services' env.
  const secrets = [...secretValues(services), ...secretVariableValues(variables), ...gitSecretValues(plannedServices(plan).map((p) => p.service))];
  const byId = new Map(services.map((s) => [s.id, s]));
  const placementOf = (serviceId: string) => {
    const service = byId.get(serviceId);
    return service && { runtime, target: serviceTarget(project, environment, service), projectId: project.id };
  };
  const journal = new DeploymentJournal(store, deps.journalBatch, deps.events, deps.runningStates, deployment, project.id, secrets, services, placementOf);
  return { deps, deployment, project, environment, runtime, plan, journal, signals };
}

/** What the deployment a rollback goes back to deployed, by service. */
async function rollbackSpecs(deps: RunnerDeps, deploymentId: string): Promise<Map<string, DeployedSpec>> {
  const records = await deps.store.deployedServicesOf(deploymentId);
  return new Map(records.flatMap((r) => (r.spec ? [[r.serviceId, r.spec] as const] : [])));
}

/** A database created without credentials (not through the API) gets them now, once. */
async function withCredentials(deps: RunnerDeps, services: Service[]): Promise<Service[]> {
  return Promise.all(
    services.map(async (service) => {
      if (service.type !== 'database' || hasDatabaseCredentials(service)) return service;
      const env = withDatabaseCredentials(service.source, service.name, service.settings.env, randomSecret);
      return deps.store.updateService(service.id, { settings: { ...service.settings, env } });
    }),
  );
}

/** Records (or re-records) the deployment's services with their stage, version and status; `only` those when given. */
function recordServices(
  { store }: RunnerDeps,
  deployment: Deployment,
  plan: DeploymentPlan,
  status: (planned: PlannedService) => DeploymentStatus,
  versions: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  return store.recordDeploymentServices(
    deployment.id,
    plan.stages.flatMap((stage) =>
      stage.services
        .filter((p) => versions.size === 0 || versions.has(p.service.id))
        .map((p) => ({
          serviceId: p.service.id,
          name: p.service.name,
          type: p.service.type,
          stageName: stage.name,
          stageOrder: stage.order,
          version: versions.get(p.service.id) ?? p.version,
          status: status(p),
        })),
    ),
  );
}

async function execute(run: Run, onServicesQueued: () => void): Promise<void> {
  const { deps, plan, journal, signals } = run;
  const context = kindContext(run);
  // Whether each deploy needs a slot: the checks only read, so they start first and their
  // registry and runtime reads overlap the queueing.
  const slotChecks = startSlotChecks(context, plan);
  // Every service moves to its queued status first: the API answers a request that started at
  // once only after this (docs/queue-and-cancel.md), so a read right after never shows the old status.
  const steps = await journal.queueAll(plannedServices(plan).map((p) => p.service.id), queuedStatusOf(plan.operation));
  const queueing = new Map([...steps].map(([id, step]) => [id, once(step)]));
  onServicesQueued();

  // Reading a branch head asks the git remote: done once the services show they are queued.
  const commits = await commitsToBuild(deps.builder, plannedServices(plan), signals.cancel);
  const resolved = new Map([...commits].filter((e): e is [string, string] => typeof e[1] === 'string'));
  for (const planned of plannedServices(plan)) if (resolved.get(planned.service.id) === planned.version) resolved.delete(planned.service.id);
  if (resolved.size > 0) await recordServices(deps, run.deployment, plan, () => queuedStatusOf(plan.operation), resolved);

  const firstError = new FirstError();
  const stages = runnableStages(run, context, { queueing, commits, slotChecks }, firstError);
  await prepareEnvironment(run);
  const result = await runStages(stages.runnable, { maxParallel: run.environment.settings.maxParallelDeploys, signal: signals.cancel, firstError });
  await stages.builds.settled();
  await journal.settled();
  if (plan.operation === 'delete') await removeDeleted(deps, run.project, run.environment, run.deployment);
  await finishWith(run, result);
}

/** What every service task of the deployment shares (src/engine/kinds/kind.ts). */
function kindContext(run: Run): KindContext {
  const { deps, runtime, journal, signals, environment } = run;
  const currentImage = memoize(async (image: Image, op: OperationContext) => (await runtime.currentImage?.(image, op)) ?? null, imageKey);
  return {
    // A deploy's record on its service joins the other services' writes of the moment (journal-batch.ts).
    store: { setDeployedState: (serviceId, state) => deps.journalBatch.recordDeployed({ serviceId, state }) },
    runtime,
    journal,
    project: run.project,
    environment,
    signal: signals.cancel,
    forceSignal: signals.force,
    keepData: run.deployment.request.keepData ?? false,
    runningSpecHash: specHashSnapshot(runtime, environmentTarget(run.project, environment)),
    currentImage,
    // Services of one deployment often share an image: pull and resolve each once.
    resolveImage: memoize(async (image: Image, op: OperationContext) => (await currentImage(image, op)) ?? runtime.resolveImage(image, op), imageKey),
    managedPollMs: deps.managedPollMs ?? 15_000,
    schedules: schedulesOf(runtime, deps.scheduler),
    ...(deps.builder ? { builder: deps.builder } : {}),
    ...(deps.managedDatabases ? { managedDatabases: deps.managedDatabases } : {}),
  };
}

/** The plan's stages as stage tasks; each git service's build starts now (builds do not wait for stages). */
function runnableStages(
  run: Run,
  context: KindContext,
  { queueing, commits, slotChecks }: { queueing: Map<string, StepHandle>; commits: Map<string, string | Error>; slotChecks: Map<string, Promise<boolean>> },
  firstError: FirstError,
) {
  const { deps, runtime, journal, signals, environment } = run;
  const builds = new BuildSet({
    builder: deps.builder,
    journal,
    project: run.project,
    signal: signals.cancel,
    maxParallelBuilds: environment.settings.maxParallelBuilds,
    firstError,
    builtImages: runtime.builtImages,
  });
  const runnable: RunnableStage[] = run.plan.stages.map((stage) => ({
    name: stage.name,
    tasks: stage.services.map((planned) => {
      const step = queueing.get(planned.service.id)!;
      const commit = commits.get(planned.service.id);
      if (commit !== undefined) builds.start(planned.service, stage.name, commit, step);
      return serviceTask(context, planned, run.plan.operation, step, builds.get(planned.service.id), slotChecks.get(planned.service.id));
    }),
  }));
  return { runnable, builds };
}

type Image = { name: string; tag: string };

const imageKey = (image: Image): string => `${image.name}:${image.tag}`;

/** Creates what the environment needs before a deploy's services (a network, a namespace). */
async function prepareEnvironment({ plan, runtime, project, environment, journal, signals }: Run): Promise<void> {
  if (plan.operation !== 'deploy' || plan.stages.length === 0) return;
  const op = journal.deploymentOperation(signals.cancel);
  try {
    await runtime.prepareEnvironment(environmentTarget(project, environment), op);
  } catch (err) {
    // An unreachable runtime (cluster, Docker Engine) is not a crash of the deployment: each
    // service's deploy prepares the environment again and ends in error with the reason.
    op.log('error', `cannot prepare the environment: ${errorMessage(err)}`);
  }
}

function finishWith({ deps, project, deployment }: Run, result: StagesOutcome): Promise<void> {
  if (result.outcome === 'failed') {
    const first = result.firstFailure!;
    return finish(deps, project, deployment, 'ERROR', `${first.task} failed in stage ${first.stage}`);
  }
  if (result.outcome === 'canceled') return finish(deps, project, deployment, 'CANCELED', 'canceled by a user');
  return finish(deps, project, deployment, 'SUCCESS', null);
}

/** A step finished once: a build's start and its service's task may both end QUEUEING. */
function once(step: StepHandle): StepHandle {
  let finished: Promise<void> | undefined;
  return { finish: (status, message) => (finished ??= step.finish(status, message)) };
}
