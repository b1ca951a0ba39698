import { errorMessage, type DeploymentStatus, type StepName, type StepStatus } from '../../domain/index.js';
import { RolloutCanceledError, type OperationContext } from '../../runtime/runtime.js';
import type { DeploymentJournal, StepHandle } from '../run/deployment-journal.js';
import type { KindOutcome } from './kind.js';

/**
 * The one shape of every step a service goes through (docs/statuses.md): the service moves to
 * the step's in-progress status, the step opens, the work runs, the step closes, and the
 * service moves to the result — done, canceled, or the error status with the error as message.
 */

/** The step a piece of work records, and the statuses it moves the service through. */
export interface StepShape {
  name: StepName;
  during: DeploymentStatus;
  done: DeploymentStatus;
  failed: DeploymentStatus;
}

export const STEP_SHAPES = {
  deploy: { name: 'DEPLOY', during: 'DEPLOYING', done: 'DEPLOYED', failed: 'DEPLOYMENT_ERROR' },
  execute: { name: 'EXECUTE', during: 'EXECUTING', done: 'DEPLOYED', failed: 'DEPLOYMENT_ERROR' },
  stop: { name: 'STOP', during: 'STOPPING', done: 'STOPPED', failed: 'STOP_ERROR' },
  restart: { name: 'RESTART', during: 'RESTARTING', done: 'RESTARTED', failed: 'RESTART_ERROR' },
  delete: { name: 'DELETE', during: 'DELETING', done: 'DELETED', failed: 'DELETE_ERROR' },
} as const satisfies Record<string, StepShape>;

/** Thrown by a step's work that was stopped on purpose (a job run killed by a forced cancel). */
export class StepCanceledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepCanceledError';
  }
}

/** How a step's work ended well: the step's message, the service's, and whether it changed nothing. */
export interface StepDone {
  message?: string | null;
  serviceMessage?: string | null;
  /** Nothing on the runtime was touched (a redeploy without changes). */
  unchanged?: boolean;
}

export interface StepOptions {
  /** What the work's waits honour. Stop, Restart and Delete are not canceled: theirs never aborts. */
  signal: AbortSignal;
  /**
   * A step that Cancel can stop: the message it ends CANCELED with once the signal aborted (or
   * the runtime said the rollout was canceled). Without it, an abort is an error like any other.
   */
  canceledMessage?: string;
  /**
   * The work is known to change nothing before it begins (a redeploy without changes): the
   * service does not pass through the in-progress status, it goes straight from its queued
   * status to the done one (docs/statuses.md). The step is recorded once the work is done,
   * already ended, in the same batch of writes as that move.
   */
  straight?: boolean;
}

const NEVER_ABORTED = new AbortController().signal;

/** Options of a step that cannot be canceled (Stop, Restart, Delete: docs/queue-and-cancel.md). */
export const UNCANCELABLE: StepOptions = { signal: NEVER_ABORTED };

export async function runStep(
  journal: DeploymentJournal,
  serviceId: string,
  shape: StepShape,
  options: StepOptions,
  work: (op: OperationContext) => Promise<StepDone | string | void>,
): Promise<KindOutcome> {
  const step = options.straight ? undefined : await begin(journal, serviceId, shape);
  const end = (status: Exclude<StepStatus, 'RUNNING'>, message: string | null): Promise<void> =>
    step ? step.finish(status, message) : journal.recordStep(serviceId, shape.name, status, message);
  const op: OperationContext = { signal: options.signal, log: (level, message) => void journal.log(serviceId, shape.name, level, message) };
  try {
    const result = await work(op);
    const done: StepDone = typeof result === 'string' ? { message: result } : (result ?? {});
    // Looked at before the move: whoever sees the service DEPLOYED (STOPPED…) sees what runs now.
    if (!done.unchanged) await journal.observeRunning(serviceId);
    // Both in the same batch of writes (src/engine/run/journal-batch.ts).
    await Promise.all([end('SUCCESS', done.message ?? null), journal.moveService(serviceId, shape.done, done.serviceMessage ?? null)]);
    return done.unchanged ? 'unchanged' : 'succeeded';
  } catch (err) {
    const canceled = canceledMessage(err, options);
    const message = canceled ?? errorMessage(err);
    await journal.log(serviceId, shape.name, canceled ? 'warn' : 'error', message);
    await end(canceled ? 'CANCELED' : 'ERROR', message);
    await journal.observeRunning(serviceId);
    await journal.moveService(serviceId, canceled ? 'CANCELED' : shape.failed, message);
    return canceled ? 'canceled' : 'failed';
  }
}

/**
 * The service moves to the step's in-progress status and the step opens, in the same batch of
 * writes. Should the move be refused, the step it opened ends in error and the refusal is thrown.
 */
async function begin(journal: DeploymentJournal, serviceId: string, shape: StepShape): Promise<StepHandle> {
  const [moved, started] = await Promise.allSettled([journal.moveService(serviceId, shape.during), journal.startStep(serviceId, shape.name)]);
  if (moved.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.finish('ERROR', errorMessage(moved.reason));
    throw moved.reason;
  }
  if (started.status === 'rejected') throw started.reason;
  return started.value;
}

function canceledMessage(err: unknown, options: StepOptions): string | null {
  if (err instanceof StepCanceledError) return err.message;
  if (options.canceledMessage && (err instanceof RolloutCanceledError || options.signal.aborted)) return options.canceledMessage;
  return null;
}
