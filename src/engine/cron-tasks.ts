import type { Logger } from 'pino';
import { errorMessage, deployedSpecOf, isCronJob, type JobService, type Service } from '../domain/index.js';
import type { OperationContext, Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import type { Builder, BuiltImage } from './builder.js';
import { gitSourceOf } from './builds.js';
import type { CronScheduler, ScheduledJob } from './cron-scheduler.js';
import { injectedConnections } from './databases.js';
import type { RuntimeResolver } from './runtime-resolver.js';
import { imageToPull, versionToDeploy } from './desired-spec.js';
import { jobRunSpec } from './job-tasks.js';
import { serviceTarget } from './service-target.js';
import type { TaskContext } from './service-tasks.js';
import type { TaskOutcome } from './stage-runner.js';
import { uncancelableStep, type UncancelableOperation } from './uncancelable-step.js';
import { imageToRun } from './image-to-run.js';

/**
 * Cron jobs through the actions (SPEC §4.2): Deploy and Redeploy install the schedule — in the
 * runtime when it runs schedules itself (Kubernetes: a CronJob), else in Slipway's scheduler
 * (docker) —, Stop suspends it, Delete removes it, Restart installs
 * it again. Nothing runs during the action itself: runs happen at the schedule's ticks.
 */

/**
 * Installs the schedule where it runs: in the runtime when it runs schedules itself
 * (Kubernetes: a CronJob), else in Slipway's scheduler. Returns the next run when known.
 */
async function installSchedule(ctx: TaskContext, service: JobService, job: ScheduledJob, op: OperationContext): Promise<Date | null> {
  const runtime = ctx.runtime;
  if (runtime.installSchedule) {
    const source = service.source;
    if (typeof job.image !== 'string') throw new Error('the image of a natively scheduled cron job must be resolved first');
    await runtime.installSchedule(
      serviceTarget(ctx.project, ctx.environment, service),
      { ...job.spec, image: job.image, schedule: source.schedule ?? '', specHash: job.specHash, maxRestarts: source.maxRestarts },
      op,
    );
    return null;
  }
  const scheduler = schedulerOf(ctx);
  scheduler.install(job);
  return scheduler.nextRun(service.id);
}

function schedulerOf(ctx: TaskContext): CronScheduler {
  if (!ctx.scheduler) throw new Error('this Slipway server has no cron scheduler');
  return ctx.scheduler;
}

/** Keeps the connection secrets and the service's own out of the runs' logs. */
export function runSecrets(service: Service, injectedEnv: Record<string, string>): string[] {
  const own = service.settings.env.filter((v) => v.secret).map((v) => v.value);
  const injected = Object.entries(injectedEnv)
    .filter(([key]) => /_(PASSWORD|URL)$/.test(key))
    .map(([, value]) => value);
  return [...own, ...injected].filter((v) => v.length > 0);
}

/**
 * The schedule of a cron job. Its hash is of the image reference (not of what it resolves to),
 * so a reinstall after a restart — which resolves the image only at the first tick — finds the
 * same hash the deploy recorded.
 */
export function scheduledJob(
  ctx: Pick<TaskContext, 'project' | 'environment' | 'runtime'>,
  service: JobService,
  imageRef: { name: string; tag: string },
  image: string | { name: string; tag: string },
  version: string,
  injectedEnv: Record<string, string>,
): { job: ScheduledJob; hash: string } {
  const { spec, hash } = jobRunSpec(service, `${imageRef.name}:${imageRef.tag}`, version, injectedEnv);
  const { image: _reference, ...rest } = spec;
  return {
    job: { service, project: ctx.project, environment: ctx.environment, runtime: ctx.runtime, spec: rest, image, secrets: runSecrets(service, injectedEnv), specHash: hash },
    hash,
  };
}

export async function deployCronJob(ctx: TaskContext, service: JobService, built: BuiltImage | undefined): Promise<TaskOutcome> {
  const { journal } = ctx;
  await journal.moveService(service.id, 'DEPLOYING');
  const step = await journal.startStep(service.id, 'DEPLOY');
  const op: OperationContext = { signal: ctx.signal, log: (level, message) => void journal.log(service.id, 'DEPLOY', level, message) };
  try {
    const version = built?.commit ?? versionToDeploy(service);
    if (!version) throw new Error(`service ${service.name} has no version to deploy`);
    const { image: imageRef, resolved } = await imageToRun(ctx, service, built, version, op);
    const { job, hash } = scheduledJob(ctx, service, imageRef, resolved, version, ctx.injectedEnv ?? {});
    const next = await installSchedule(ctx, service, job, op);
    await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: hash, deployedSpec: deployedSpecOf(service) });
    await step.finish('SUCCESS', `schedule installed${next ? `; next run ${next.toISOString()}` : ''}`);
    await journal.moveService(service.id, 'DEPLOYED');
    return 'succeeded';
  } catch (err) {
    const message = errorMessage(err);
    await journal.log(service.id, 'DEPLOY', 'error', message);
    await step.finish('ERROR', message);
    await journal.moveService(service.id, 'DEPLOYMENT_ERROR', message);
    return 'failed';
  }
}

/** Stop (suspend), Delete (remove) and Restart (install again) of a cron job. */
export function cronJobOperation(
  ctx: TaskContext,
  service: JobService,
  operation: UncancelableOperation,
  imageOf: (version: string) => { name: string; tag: string },
): Promise<TaskOutcome> {
  return uncancelableStep(ctx.journal, service.id, operation, async (op) => {
    const target = serviceTarget(ctx.project, ctx.environment, service);
    if (operation === 'restart') {
      const version = service.deployedVersion ?? versionToDeploy(service);
      if (!version) throw new Error(`service ${service.name} has no deployed version`);
      const imageRef = imageOf(version);
      const resolved = await ctx.resolveImage(imageRef, op);
      const { job, hash } = scheduledJob(ctx, service, imageRef, resolved, version, ctx.injectedEnv ?? {});
      await installSchedule(ctx, service, job, op);
      await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: hash, deployedSpec: service.deployedSpec });
      op.log('info', 'schedule installed again');
      return;
    }
    ctx.scheduler?.suspend(service.id);
    if (operation === 'stop' && ctx.runtime.suspendSchedule) await ctx.runtime.suspendSchedule(target, op);
    op.log('info', operation === 'stop' ? 'schedule suspended' : 'schedule removed');
    if (operation === 'stop') await ctx.runtime.stop(target, op);
    else await ctx.runtime.delete(target, { keepData: ctx.keepData }, op);
  });
}

/**
 * Installs the schedule of every deployed cron job that this process does not run yet, or runs
 * with an older spec: at start (a restarted Slipway keeps its schedules), and then periodically,
 * so that a job deployed through another process sharing the database is scheduled here too and
 * keeps running if that process dies (each tick still runs once, through the store). Images are
 * resolved at the first tick, so an unreachable registry does not keep the server from starting.
 * Returns how many schedules it installed.
 */
export async function syncSchedules(deps: {
  store: Store;
  runtimes: RuntimeResolver;
  scheduler: CronScheduler;
  builder?: Builder;
  logger: Logger;
}): Promise<number> {
  // One query in the steady state: only environments with a schedule to install are read further.
  const due = (await deps.store.listServicesOfType('job')).filter(isCronJob).filter(
    (s) => (s.status === 'DEPLOYED' || s.status === 'RESTARTED') && s.deployedVersion && deps.scheduler.installedSpecHash(s.id) !== s.deployedSpecHash,
  );
  let installed = 0;
  for (const environmentId of new Set(due.map((s) => s.environmentId))) {
    const environment = await deps.store.getEnvironment(environmentId);
    const project = environment && (await deps.store.getProject(environment.projectId));
    if (!environment || !project) continue;
    let runtime: Runtime;
    try {
      runtime = deps.runtimes.forEnvironment(environment);
    } catch {
      continue;
    }
    // A runtime that runs schedules itself keeps them across restarts of Slipway.
    if (runtime.installSchedule) continue;
    const services = await deps.store.listServices(environment.id);
    const injected = injectedConnections(services, (db) => runtime.serviceHost?.(serviceTarget(project, environment, db)) ?? db.name);
    for (const service of due.filter((s) => s.environmentId === environmentId)) {
      try {
        const version = service.deployedVersion!;
        const image = gitSourceOf(service)
          ? (deps.builder ?? missingBuilder()).imageOf(project.name, service.name, version)
          : imageToPull(service, version);
        deps.scheduler.install(scheduledJob({ project, environment, runtime }, service, image, image, version, injected).job);
        installed++;
      } catch (error) {
        deps.logger.error({ err: error, serviceId: service.id }, 'could not install the schedule of a cron job');
      }
    }
  }
  return installed;
}

function missingBuilder(): never {
  throw new Error('this Slipway server has no image builder configured');
}
