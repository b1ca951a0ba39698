import { randomUUID } from 'node:crypto';
import { errorMessage, deployedSpecOf, runsOnEvent, specHash, type JobService, type JobSource, type LifecycleEvent, type Service, type StepName } from '../domain/index.js';
import type { JobResult, JobSpec, OperationContext } from '../runtime/runtime.js';
import type { BuiltImage } from './builder.js';
import { desiredSpec, secretEnvKeys, versionToDeploy } from './desired-spec.js';
import { serviceTarget } from './service-target.js';
import type { TaskContext } from './service-tasks.js';
import type { TaskOutcome } from './stage-runner.js';
import { uncancelableStep, type UncancelableOperation } from './uncancelable-step.js';
import { imageToRun } from './image-to-run.js';

/**
 * Lifecycle jobs (SPEC §1, §4.2, §5): a one-off run on the environment events the job lists
 * (start = Deploy and Redeploy, stop, delete), retried up to maxRestarts times. While it runs
 * a deploy shows EXECUTING and its output goes to the EXECUTE step's log. Cancel waits for a
 * running job (its status ends as the job ended); only a forced cancel kills it.
 */

function jobSource(service: JobService): JobSource {
  return service.source;
}

function stepContext(ctx: TaskContext, service: Service, step: StepName, signal: AbortSignal): OperationContext {
  return { signal, log: (level, message) => void ctx.journal.log(service.id, step, level, message) };
}

function describe(result: JobResult, maxDurationSeconds: number): string {
  if (result.outcome === 'timed-out') return `did not end within maxDurationSeconds (${maxDurationSeconds} s)`;
  if (result.outcome === 'killed') return 'killed';
  return `exited with code ${result.exitCode}`;
}

/** What a run of the job executes, given its resolved image: env (with the injected connections), command, bounds. */
export function jobRunSpec(service: JobService, resolvedImage: string, version: string, injectedEnv: Record<string, string>): { spec: Omit<JobSpec, 'runId'>; hash: string } {
  const source = jobSource(service);
  const desired = desiredSpec(service, resolvedImage, injectedEnv);
  const command = source.command ?? desired.command;
  const hash = specHash({ ...desired, ...(command ? { command } : {}) });
  const spec: Omit<JobSpec, 'runId'> = {
    image: resolvedImage,
    ...(command ? { command } : {}),
    env: desired.env,
    cpu: desired.cpu,
    memoryMb: desired.memoryMb,
    maxDurationSeconds: source.maxDurationSeconds,
    version,
    secretEnvKeys: secretEnvKeys(service, injectedEnv),
  };
  return { spec, hash };
}

async function jobSpecOf(ctx: TaskContext, service: JobService, image: { name: string; tag: string } | string, version: string, op: OperationContext) {
  const resolved = typeof image === 'string' ? image : await ctx.resolveImage(image, op);
  return jobRunSpec(service, resolved, version, ctx.injectedEnv ?? {});
}

/**
 * Runs the job until one run exits 0, at most 1 + maxRestarts runs. Stops retrying once the
 * deployment is canceled (`stopRetrying`); a killed run is never retried.
 */
async function runWithRetries(
  ctx: TaskContext,
  service: JobService,
  spec: Omit<JobSpec, 'runId'>,
  op: OperationContext,
  stopRetrying: AbortSignal,
): Promise<{ ok: true } | { ok: false; killed: boolean; message: string }> {
  const source = jobSource(service);
  const runs = 1 + Math.max(0, source.maxRestarts);
  const target = serviceTarget(ctx.project, ctx.environment, service);
  let last = '';
  for (let n = 1; n <= runs; n++) {
    if (n > 1) op.log('warn', `run ${n - 1} of ${runs} ${last}; retrying (maxRestarts ${source.maxRestarts})`);
    const result = await ctx.runtime.runJob(target, { ...spec, runId: randomUUID().slice(0, 8) }, op);
    if (result.outcome === 'exited' && result.exitCode === 0) return { ok: true };
    last = describe(result, source.maxDurationSeconds);
    if (result.outcome === 'killed') return { ok: false, killed: true, message: `the job was killed (forced cancel)` };
    if (stopRetrying.aborted) break;
  }
  return { ok: false, killed: false, message: `the job ${last}${runs > 1 ? ` (${runs} runs)` : ''}` };
}

/** Deploy of a lifecycle job: run it now when it listens to `start`. */
export async function deployLifecycleJob(ctx: TaskContext, service: JobService, built: BuiltImage | undefined): Promise<TaskOutcome> {
  const { journal } = ctx;
  const version = built?.commit ?? versionToDeploy(service);
  if (!runsOnEvent(service, 'start')) {
    if (version) await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: null, deployedSpec: deployedSpecOf(service) });
    await journal.moveService(service.id, 'DEPLOYED', 'nothing to run: the job does not run on start');
    return 'succeeded';
  }
  if (ctx.signal.aborted) {
    await journal.moveService(service.id, 'CANCELED', 'canceled before the job started');
    return 'canceled';
  }
  await journal.moveService(service.id, 'EXECUTING');
  const step = await journal.startStep(service.id, 'EXECUTE');
  // Only a forced cancel kills the run; a plain cancel waits for it (a safe point).
  const op = stepContext(ctx, service, 'EXECUTE', ctx.forceSignal ?? new AbortController().signal);
  try {
    if (!version) throw new Error(`service ${service.name} has no version to deploy`);
    const { resolved } = await imageToRun(ctx, service, built, version, op);
    const { spec, hash } = await jobSpecOf(ctx, service, resolved, version, op);
    const result = await runWithRetries(ctx, service, spec, op, ctx.signal);
    if (result.ok) {
      await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: hash, deployedSpec: deployedSpecOf(service) });
      await step.finish('SUCCESS', `ran ${version}`);
      await journal.moveService(service.id, 'DEPLOYED');
      return 'succeeded';
    }
    if (result.killed) {
      await step.finish('CANCELED', result.message);
      await journal.moveService(service.id, 'CANCELED', result.message);
      return 'canceled';
    }
    throw new Error(result.message);
  } catch (err) {
    const message = errorMessage(err);
    await journal.log(service.id, 'EXECUTE', 'error', message);
    await step.finish('ERROR', message);
    await journal.moveService(service.id, 'DEPLOYMENT_ERROR', message);
    return 'failed';
  }
}

/**
 * Stop, Delete and Restart of a lifecycle job: run the job for the event if it listens to it
 * (Restart runs the start job again), then the runtime's own call. These actions cannot be
 * canceled, so nothing kills the run.
 */
export function lifecycleJobOperation(
  ctx: TaskContext,
  service: JobService,
  operation: UncancelableOperation,
  imageOf: (version: string) => { name: string; tag: string },
): Promise<TaskOutcome> {
  const { journal } = ctx;
  const event: LifecycleEvent = operation === 'restart' ? 'start' : operation;
  return uncancelableStep(journal, service.id, operation, async (op) => {
    if (runsOnEvent(service, event)) {
      const version = service.deployedVersion ?? versionToDeploy(service);
      if (!version) {
        op.log('warn', `the ${event} job was never deployed: no version to run`);
      } else {
        const exec = await journal.startStep(service.id, 'EXECUTE');
        const execOp = stepContext(ctx, service, 'EXECUTE', op.signal);
        try {
          const { spec } = await jobSpecOf(ctx, service, imageOf(version), version, execOp);
          const result = await runWithRetries(ctx, service, spec, execOp, op.signal);
          if (!result.ok) throw new Error(result.message);
          await exec.finish('SUCCESS', `ran ${version} on ${event}`);
        } catch (err) {
          await exec.finish('ERROR', errorMessage(err));
          throw err;
        }
      }
    }
    const target = serviceTarget(ctx.project, ctx.environment, service);
    if (operation === 'stop') await ctx.runtime.stop(target, op);
    if (operation === 'delete') await ctx.runtime.delete(target, { keepData: ctx.keepData }, op);
  });
}
