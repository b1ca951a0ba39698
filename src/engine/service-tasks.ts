import { errorMessage, deployedSpecOf, isCronJob, isLifecycleJob, isManagedDatabase, serviceAsDeployed, specHash, type DeployedRollout, type DeploymentStatus, type DesiredSpec, type Environment, type Project, type Service, type ServiceOperation, type StepName } from '../domain/index.js';
import { RolloutCanceledError, type OperationContext, type Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import { desiredSpec, imageToPull, secretEnvKeys, versionToDeploy } from './desired-spec.js';
import type { DeploymentJournal, StepHandle } from './deployment-journal.js';
import type { RunningStates } from './running-states.js';
import { serviceTarget } from './service-target.js';
import type { StageTask, TaskOutcome } from './stage-runner.js';
import type { Builder, BuiltImage } from './builder.js';
import { gitSourceOf, type BuildHandle, type BuildSet } from './builds.js';
import { deployLifecycleJob, lifecycleJobOperation } from './job-tasks.js';
import type { CronScheduler } from './cron-scheduler.js';
import { cronJobOperation, deployCronJob } from './cron-tasks.js';
import { uncancelableStep, type UncancelableOperation } from './uncancelable-step.js';
import { imageToRun } from './image-to-run.js';
import type { ManagedDatabaseProvider } from './managed-databases/provider.js';
import { deployManagedDatabase, managedDatabaseOperation } from './managed-databases/tasks.js';

/** What every service task of one deployment shares. */
export interface TaskContext {
  store: Store;
  runtime: Runtime;
  journal: DeploymentJournal;
  runningStates: RunningStates;
  project: Project;
  environment: Environment;
  /** Aborted by Cancel. */
  signal: AbortSignal;
  /** Aborted by Cancel with force=true: kills a running lifecycle job (a plain cancel waits for it). */
  forceSignal?: AbortSignal;
  /** Drives managed databases (mode: managed). */
  managedDatabases?: ManagedDatabaseProvider;
  /** How often a managed database is described while it comes up (default 15 s). */
  managedPollMs?: number;
  /** Installs cron jobs' schedules (docker runtime). */
  scheduler?: CronScheduler;
  /** Env vars every service of the environment gets (the databases' connections). */
  injectedEnv?: Record<string, string>;
  /** Delete: keep the volumes. */
  keepData: boolean;
  /** The runtime's resolveImage, shared by the deployment's services (one pull per image). */
  resolveImage: Runtime['resolveImage'];
  /** The builds of git services, started when the deployment started (deploys only). */
  builds?: BuildSet;
  /** Names the images of git services (restarts). */
  builder?: Builder;
}

/** The in-progress statuses from which a service is CANCELING when the request is canceled. */
const CANCELABLE_WHILE_RUNNING: readonly DeploymentStatus[] = ['QUEUED', 'BUILDING', 'DEPLOYING', 'EXECUTING'];

/**
 * One service's part of a deployment, as a stage task. Each task records a QUEUEING step
 * from the start of the request until its own work begins.
 */
export function serviceTask(ctx: TaskContext, service: Service, operation: ServiceOperation, queueing: StepHandle): StageTask {
  const build = operation === 'deploy' ? ctx.builds?.get(service.id) : undefined;
  const effects: Effects = { runtimeTouched: true };
  const run = (): Promise<TaskOutcome> => {
    if (operation === 'deploy') return deploy(ctx, service, build, effects);
    // Restart runs what is deployed now: settings and source edited since wait for a Redeploy (SPEC §4.2).
    const subject = operation === 'restart' ? serviceAsDeployed(service) : service;
    const imageOfVersion = (version: string) => imageOf(ctx, subject, version);
    if (isLifecycleJob(subject)) return lifecycleJobOperation(ctx, subject, operation, imageOfVersion);
    if (isManagedDatabase(subject)) return managedDatabaseOperation(ctx, subject, operation);
    if (isCronJob(subject)) return cronJobOperation(ctx, subject, operation, imageOfVersion);
    return runtimeOperation(ctx, subject, operation);
  };
  return {
    name: service.name,
    run: async () => {
      build?.claim();
      await queueing.finish('SUCCESS');
      const outcome = await run();
      // A redeploy without changes touched nothing: the running state observed before still holds.
      if (effects.runtimeTouched) await ctx.runningStates.refresh(service.id).catch(() => undefined);
      return outcome;
    },
    skip: async (reason) => {
      // A build still running is being stopped: let it end before the service does.
      const built = await build?.result;
      await queueing.finish('CANCELED', reason);
      // A service whose build failed stays BUILD_ERROR: that failure is the first error.
      if (built && !built.ok && !built.canceled) return;
      await ctx.journal.moveService(service.id, 'CANCELED', reason);
    },
  };
}

function operationContext(ctx: TaskContext, service: Service, step: StepName): OperationContext {
  return {
    signal: ctx.signal,
    log: (level, message) => {
      void ctx.journal.log(service.id, step, level, message);
    },
  };
}

/** What a task did to the runtime, so its caller knows whether to observe the service again. */
interface Effects {
  runtimeTouched: boolean;
}

async function deploy(ctx: TaskContext, service: Service, build: BuildHandle | undefined, effects: Effects): Promise<TaskOutcome> {
  const { journal } = ctx;
  const onAbort = (): void => void journal.moveServiceIf(service.id, CANCELABLE_WHILE_RUNNING, 'CANCELING');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    // A git service deploys when its stage has come and its own image is ready (SPEC §5).
    let built: BuiltImage | undefined;
    if (build) {
      const result = await build.result;
      if (!result.ok && !result.canceled) return 'failed';
      if (!result.ok) {
        await journal.moveService(service.id, 'CANCELED', result.message);
        return 'canceled';
      }
      built = result.image;
    }
    if (isLifecycleJob(service)) return await deployLifecycleJob(ctx, service, built);
    if (isCronJob(service)) return await deployCronJob(ctx, service, built);
    if (isManagedDatabase(service)) return await deployManagedDatabase(ctx, service);
    return await deployImage(ctx, service, built, effects);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

async function deployImage(
  ctx: TaskContext,
  service: Service,
  built: BuiltImage | undefined,
  effects: Effects,
): Promise<TaskOutcome> {
  const { journal, runtime } = ctx;
  await journal.moveService(service.id, 'DEPLOYING');
  const step = await journal.startStep(service.id, 'DEPLOY');
  const op = operationContext(ctx, service, 'DEPLOY');
  try {
    const version = built?.commit ?? versionToDeploy(service);
    if (!version) throw new Error(`service ${service.name} has no version to deploy`);
    const target = serviceTarget(ctx.project, ctx.environment, service);
    const { resolved } = await imageToRun(ctx, service, built, version, op);
    const spec = desiredSpec(service, resolved, ctx.injectedEnv);
    // Kept as deployed: Restart hands exactly this to the runtime again.
    const rollout = rolloutOf(ctx, service, spec, version);
    const hash = rollout.specHash;
    if ((await runtime.runningSpecHash(target)) === hash) {
      // SPEC §4.2: a redeploy without changes touches no instance, not even a restart.
      await journal.log(service.id, 'DEPLOY', 'info', 'no changes: the running instances already run this spec');
      await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: hash, deployedSpec: deployedSpecOf(service, rollout) });
      await step.finish('SUCCESS', 'no changes');
      await journal.moveService(service.id, 'DEPLOYED', 'no changes');
      effects.runtimeTouched = false;
      return 'succeeded';
    }
    ctx.signal.throwIfAborted();
    await journal.log(service.id, 'DEPLOY', 'info', `rolling out ${version} to ${spec.instances} instance(s)`);
    await runtime.deploy(target, rollout, op);
    await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: hash, deployedSpec: deployedSpecOf(service, rollout) });
    await step.finish('SUCCESS', `deployed ${version}`);
    await journal.moveService(service.id, 'DEPLOYED');
    return 'succeeded';
  } catch (err) {
    if (err instanceof RolloutCanceledError || ctx.signal.aborted) {
      const message = 'canceled: the previous version keeps serving';
      await journal.log(service.id, 'DEPLOY', 'warn', message);
      await step.finish('CANCELED', message);
      await journal.moveService(service.id, 'CANCELED', message);
      return 'canceled';
    }
    const message = errorMessage(err);
    await journal.log(service.id, 'DEPLOY', 'error', message);
    await step.finish('ERROR', message);
    await journal.moveService(service.id, 'DEPLOYMENT_ERROR', message);
    return 'failed';
  }
}

/** The image a deployed version of the service runs: built from git, or pulled by tag. */
export function imageOf(ctx: TaskContext, service: Service, version: string): { name: string; tag: string } {
  if (gitSourceOf(service)) {
    if (!ctx.builder) throw new Error('this Slipway server has no image builder configured');
    return ctx.builder.imageOf(ctx.project.name, service.name, version);
  }
  return imageToPull(service, version);
}

/** Stop, Restart and Delete of a service the runtime runs: one runtime call each. */
function runtimeOperation(ctx: TaskContext, service: Service, operation: UncancelableOperation): Promise<TaskOutcome> {
  const { runtime } = ctx;
  const target = serviceTarget(ctx.project, ctx.environment, service);
  return uncancelableStep(ctx.journal, service.id, operation, async (op) => {
    if (operation === 'stop') return runtime.stop(target, op);
    if (operation === 'delete') return runtime.delete(target, { keepData: ctx.keepData }, op);
    // Restart: the spec deployed now, instances replaced one by one, each gated on readiness.
    await runtime.restart(target, service.deployedSpec?.rollout ?? (await rolloutFromSettings(ctx, service, op)), op);
  });
}

/**
 * The fallback for a service deployed before Slipway kept the spec it rolled out (migration
 * 0003): the spec is rebuilt from the service's settings and its deployed version's image, as
 * Restart did before, so edits made since that deploy do go live with this Restart.
 */
async function rolloutFromSettings(ctx: TaskContext, service: Service, op: OperationContext): Promise<DeployedRollout> {
  const version = service.deployedVersion ?? versionToDeploy(service);
  if (!version) throw new Error(`service ${service.name} has no deployed version to restart`);
  const resolved = await ctx.resolveImage(imageOf(ctx, service, version), op);
  return rolloutOf(ctx, service, desiredSpec(service, resolved, ctx.injectedEnv), version);
}

/** The spec handed to the runtime: the desired spec with its hash, version and secret keys. */
function rolloutOf(ctx: TaskContext, service: Service, spec: DesiredSpec, version: string): DeployedRollout {
  return { ...spec, specHash: specHash(spec), version, startTimeoutSeconds: service.settings.startTimeoutSeconds, secretEnvKeys: secretEnvKeys(service, ctx.injectedEnv) };
}
