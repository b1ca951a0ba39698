import { deployedSpecOf } from '../../domain/index.js';
import type { OperationContext } from '../../runtime/runtime.js';
import type { ScheduledJob } from '../cron-scheduler.js';
import { serviceTarget } from '../service-target.js';
import { deployedVersionOf, imageOf, imageToRun, requireVersion } from './images.js';
import { jobSourceOf, scheduledJob } from './job-run-spec.js';
import type { KindContext, KindHandler } from './kind.js';
import { runStep, STEP_SHAPES, UNCANCELABLE } from './step.js';

/**
 * Cron jobs (docs/resources.md): Deploy and Redeploy install the schedule — in the runtime when
 * it runs schedules itself, else in Slipway's scheduler —, Stop suspends it, Delete removes it,
 * Restart installs it again. Nothing runs during the action itself: runs happen at the ticks.
 */
export const cronJob: KindHandler = {
  deploy: (ctx, planned, built) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.deploy, { signal: ctx.signal }, async (op) => {
      const { service } = planned;
      const version = built?.commit ?? requireVersion(service, planned.version);
      const { image: imageRef, resolved } = await imageToRun(ctx, service, built, version, op);
      const { job, hash } = scheduledJob(ctx, service, imageRef, resolved, version, planned.injectedEnv, planned.variables);
      const next = await installSchedule(ctx, job, op);
      await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: hash, deployedSpec: deployedSpecOf(service, undefined, planned.variables) });
      return `schedule installed${next ? `; next run ${next.toISOString()}` : ''}`;
    }),

  restart: (ctx, planned) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.restart, UNCANCELABLE, async (op) => {
      const { service } = planned;
      const version = requireVersion(service, deployedVersionOf(planned), 'deployed version');
      const imageRef = imageOf(ctx, service, version);
      const resolved = await ctx.resolveImage(imageRef, op);
      // The variables its last deploy got: Restart applies nothing edited since.
      const { job, hash } = scheduledJob(ctx, service, imageRef, resolved, version, planned.injectedEnv, service.deployedSpec?.variables ?? planned.variables);
      await installSchedule(ctx, job, op);
      await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: hash, deployedSpec: service.deployedSpec });
      op.log('info', 'schedule installed again');
    }),

  stop: (ctx, planned) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.stop, UNCANCELABLE, async (op) => {
      const target = serviceTarget(ctx.project, ctx.environment, planned.service);
      ctx.scheduler?.suspend(planned.service.id);
      if (ctx.runtime.suspendSchedule) await ctx.runtime.suspendSchedule(target, op);
      op.log('info', 'schedule suspended');
      await ctx.runtime.stop(target, op);
    }),

  delete: (ctx, planned) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.delete, UNCANCELABLE, async (op) => {
      ctx.scheduler?.suspend(planned.service.id);
      op.log('info', 'schedule removed');
      await ctx.runtime.delete(serviceTarget(ctx.project, ctx.environment, planned.service), { keepData: ctx.keepData }, op);
    }),
};

/**
 * Installs the schedule where it runs: in the runtime when it runs schedules itself
 * (installSchedule), else in Slipway's scheduler. Returns the next run when known.
 */
async function installSchedule(ctx: KindContext, job: ScheduledJob, op: OperationContext): Promise<Date | null> {
  if (ctx.runtime.installSchedule) {
    const source = jobSourceOf(job.service);
    if (typeof job.image !== 'string') throw new Error('the image of a natively scheduled cron job must be resolved first');
    const target = serviceTarget(ctx.project, ctx.environment, job.service);
    await ctx.runtime.installSchedule(target, { ...job.spec, image: job.image, schedule: job.schedule ?? '', specHash: job.specHash, maxRestarts: source.maxRestarts }, op);
    return null;
  }
  if (!ctx.scheduler) throw new Error('this Slipway server has no cron scheduler');
  ctx.scheduler.install(job);
  return ctx.scheduler.nextRun(job.service.id);
}

