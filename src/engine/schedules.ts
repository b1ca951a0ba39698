import type { OperationContext, Runtime, ServiceTarget } from '../runtime/runtime.js';
import type { CronScheduler, ScheduledJob } from './cron-scheduler.js';

/**
 * Where cron jobs' schedules run, chosen once per runtime by what it declares: a runtime with
 * installSchedule runs them itself (Kubernetes: a CronJob); for any other, Slipway's scheduler
 * starts one runJob per tick (Docker). The cron-job handler only ever talks to this.
 */
export interface Schedules {
  /** Slipway's scheduler runs them: they live in this process, so a restart installs them again. */
  readonly inSlipway: boolean;
  /** Installs (or replaces, and resumes) the schedule; the next run when known. */
  install(job: ScheduledJob, op: OperationContext): Promise<Date | null>;
  /** Stop: no run starts any more; runs going on may finish. Idempotent. */
  suspend(target: ServiceTarget, op: OperationContext): Promise<void>;
  /** Delete: the schedule goes with the service (the runtime's delete removes its own). */
  remove(target: ServiceTarget): void;
}

export function schedulesOf(runtime: Runtime, scheduler: CronScheduler | undefined): Schedules {
  const { installSchedule, suspendSchedule } = runtime;
  if (installSchedule && suspendSchedule) {
    return {
      inSlipway: false,
      async install(job, op) {
        if (typeof job.image !== 'string') throw new Error('the image of a natively scheduled cron job must be resolved first');
        const spec = { ...job.spec, image: job.image, schedule: job.schedule ?? '', specHash: job.specHash, maxRestarts: job.maxRestarts };
        await installSchedule.call(runtime, job.target, spec, op);
        return null;
      },
      suspend: (target, op) => suspendSchedule.call(runtime, target, op),
      remove: () => undefined,
    };
  }
  const slipway = (): CronScheduler => {
    if (!scheduler) throw new Error('this Slipway server has no cron scheduler');
    return scheduler;
  };
  return {
    inSlipway: true,
    install(job) {
      slipway().install(job);
      return Promise.resolve(slipway().nextRun(job.target.serviceId));
    },
    suspend(target) {
      scheduler?.suspend(target.serviceId);
      return Promise.resolve();
    },
    remove: (target) => scheduler?.suspend(target.serviceId),
  };
}
