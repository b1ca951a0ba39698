import { randomUUID } from 'node:crypto';
import { deployedSpecOf, errorMessage, runsOnEvent, type LifecycleEvent, type PlannedService } from '../../domain/index.js';
import type { JobResult, JobSpec, OperationContext } from '../../runtime/runtime.js';
import { serviceTarget } from '../service-target.js';
import { deployedVersionOf, imageOf, imageToRun, requireVersion } from './images.js';
import { jobRunSpec, jobSourceOf } from './job-run-spec.js';
import type { KindContext, KindHandler, KindOutcome } from './kind.js';
import { runStep, STEP_SHAPES, StepCanceledError, UNCANCELABLE } from './step.js';

/**
 * Lifecycle jobs (docs/resources.md): a one-off run on the environment events the job lists
 * (start = Deploy and Redeploy, stop, delete), retried up to maxRestarts times. While it runs
 * a deploy shows EXECUTING and its output goes to the EXECUTE step's log. Cancel waits for a
 * running job (its status ends as the job ended); only a forced cancel kills it.
 */
export const lifecycleJob: KindHandler = {
  async deploy(ctx, planned, built) {
    const { service } = planned;
    const version = built?.commit ?? planned.version;
    if (!runsOnEvent(service, 'start')) {
      if (version) await ctx.store.setDeployedState(service.id, { deployedVersion: version, deployedSpecHash: null, deployedSpec: deployedSpecOf(service, undefined, planned.variables) });
      await ctx.journal.moveService(service.id, 'DEPLOYED', 'nothing to run: the job does not run on start');
      return 'succeeded';
    }
    if (ctx.signal.aborted) {
      await ctx.journal.moveService(service.id, 'CANCELED', 'canceled before the job started');
      return 'canceled';
    }
    // Only a forced cancel kills the run; a plain cancel waits for it (a safe point).
    return runStep(ctx.journal, service.id, STEP_SHAPES.execute, { signal: ctx.forceSignal }, async (op) => {
      const runVersion = requireVersion(service, version);
      const { resolved } = await imageToRun(ctx, service, built, runVersion, op);
      const { spec, hash } = jobRunSpec(service, resolved, runVersion, planned.injectedEnv, planned.variables);
      await runUntilSuccess(ctx, planned, spec, op, ctx.signal);
      await ctx.store.setDeployedState(service.id, { deployedVersion: runVersion, deployedSpecHash: hash, deployedSpec: deployedSpecOf(service, undefined, planned.variables) });
      return `ran ${runVersion}`;
    });
  },
  stop: (ctx, planned) => onEvent(ctx, planned, 'stop'),
  // Restart runs the start job again.
  restart: (ctx, planned) => onEvent(ctx, planned, 'restart'),
  delete: (ctx, planned) => onEvent(ctx, planned, 'delete'),
};

/**
 * Stop, Delete and Restart: the job runs for the event if it listens to it, then the runtime's
 * own call. These actions cannot be canceled, so nothing kills the run.
 */
function onEvent(ctx: KindContext, planned: PlannedService, operation: 'stop' | 'restart' | 'delete'): Promise<KindOutcome> {
  const { service } = planned;
  const event: LifecycleEvent = operation === 'restart' ? 'start' : operation;
  return runStep(ctx.journal, service.id, STEP_SHAPES[operation], UNCANCELABLE, async (op) => {
    if (runsOnEvent(service, event)) await runForEvent(ctx, planned, event, op);
    const target = serviceTarget(ctx.project, ctx.environment, service);
    if (operation === 'stop') await ctx.runtime.stop(target, op);
    if (operation === 'delete') await ctx.runtime.delete(target, { keepData: ctx.keepData }, op);
  });
}

/** One run of the job for an event, as its own EXECUTE step inside the action's step. */
async function runForEvent(ctx: KindContext, planned: PlannedService, event: LifecycleEvent, op: OperationContext): Promise<void> {
  const { service } = planned;
  const version = deployedVersionOf(planned);
  if (!version) {
    op.log('warn', `the ${event} job was never deployed: no version to run`);
    return;
  }
  const exec = await ctx.journal.startStep(service.id, 'EXECUTE');
  const execOp: OperationContext = { signal: op.signal, log: (level, message) => void ctx.journal.log(service.id, 'EXECUTE', level, message) };
  try {
    const resolved = await ctx.resolveImage(imageOf(ctx, service, version), execOp);
    const { spec } = jobRunSpec(service, resolved, version, planned.injectedEnv, planned.variables);
    await runUntilSuccess(ctx, planned, spec, execOp, op.signal);
    await exec.finish('SUCCESS', `ran ${version} on ${event}`);
  } catch (err) {
    await exec.finish('ERROR', errorMessage(err));
    throw err;
  }
}

/**
 * Runs the job until one run exits 0, at most 1 + maxRestarts runs; throws saying how the last
 * ended. Stops retrying once `stopRetrying` aborted (the deployment was canceled); a killed run
 * is never retried (StepCanceledError).
 */
async function runUntilSuccess(ctx: KindContext, { service }: PlannedService, spec: Omit<JobSpec, 'runId'>, op: OperationContext, stopRetrying: AbortSignal): Promise<void> {
  const source = jobSourceOf(service);
  const runs = 1 + Math.max(0, source.maxRestarts);
  const target = serviceTarget(ctx.project, ctx.environment, service);
  let last = '';
  for (let n = 1; n <= runs; n++) {
    if (n > 1) op.log('warn', `run ${n - 1} of ${runs} ${last}; retrying (maxRestarts ${source.maxRestarts})`);
    const result = await ctx.runtime.runJob(target, { ...spec, runId: randomUUID().slice(0, 8) }, op);
    if (result.outcome === 'exited' && result.exitCode === 0) return;
    last = describe(result, source.maxDurationSeconds);
    if (result.outcome === 'killed') throw new StepCanceledError('the job was killed (forced cancel)');
    if (stopRetrying.aborted) break;
  }
  throw new Error(`the job ${last}${runs > 1 ? ` (${runs} runs)` : ''}`);
}

function describe(result: JobResult, maxDurationSeconds: number): string {
  if (result.outcome === 'timed-out') return `did not end within maxDurationSeconds (${maxDurationSeconds} s)`;
  if (result.outcome === 'killed') return 'killed';
  return `exited with code ${result.exitCode}`;
}
