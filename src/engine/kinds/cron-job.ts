import { deployedSpecOf } from '../../domain/index.js';
import { serviceTarget } from '../service-target.js';
import { deployedVersionOf, imageOf, imageToRun, requireVersion } from './images.js';
import { scheduledJob } from './job-run-spec.js';
import type { KindHandler } from './kind.js';
import { runStep, STEP_SHAPES, UNCANCELABLE } from './step.js';

/**
 * Cron jobs (docs/resources.md): Deploy and Redeploy install the schedule where the runtime's
 * schedules run (src/engine/schedules.ts), Stop suspends it, Delete removes it, Restart installs
 * it again. Nothing runs during the action itself: runs happen at the ticks.
 */
export const cronJob: KindHandler = {
  deploy: (ctx, planned, built) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.deploy, { signal: ctx.signal }, async (op) => {
      const { service } = planned;
      const version = built?.commit ?? requireVersion(service, planned.version);
      const { image: imageRef, resolved } = await imageToRun(ctx, service, built, version, op);
      const { job, hash } = scheduledJob(ctx, service, imageRef, resolved, version, planned.injectedEnv, planned.variables);
      const next = await ctx.schedules.install(job, op);
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
      await ctx.schedules.install(job, op);
      await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: hash, deployedSpec: service.deployedSpec });
      op.log('info', 'schedule installed again');
    }),

  stop: (ctx, planned) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.stop, UNCANCELABLE, async (op) => {
      const target = serviceTarget(ctx.project, ctx.environment, planned.service);
      await ctx.schedules.suspend(target, op);
      op.log('info', 'schedule suspended');
      await ctx.runtime.stop(target, op);
    }),

  delete: (ctx, planned) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.delete, UNCANCELABLE, async (op) => {
      const target = serviceTarget(ctx.project, ctx.environment, planned.service);
      ctx.schedules.remove(target);
      op.log('info', 'schedule removed');
      await ctx.runtime.delete(target, { keepData: ctx.keepData }, op);
    }),
};
