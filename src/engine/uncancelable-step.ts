import { errorMessage, type DeploymentStatus, type StepName } from '../domain/index.js';
import type { OperationContext } from '../runtime/runtime.js';
import type { DeploymentJournal } from './deployment-journal.js';
import type { TaskOutcome } from './stage-runner.js';

/** The statuses a service goes through in one step: while it runs, on success, on error. */
export type StatusPath = [during: DeploymentStatus, done: DeploymentStatus, failed: DeploymentStatus];

/** The operations whose step cannot be canceled. */
export type UncancelableOperation = 'stop' | 'restart' | 'delete';

/** The step each of them records and the statuses it moves the service through (SPEC §4.2). */
export const STEPS: Record<UncancelableOperation, { name: StepName; path: StatusPath }> = {
  stop: { name: 'STOP', path: ['STOPPING', 'STOPPED', 'STOP_ERROR'] },
  restart: { name: 'RESTART', path: ['RESTARTING', 'RESTARTED', 'RESTART_ERROR'] },
  delete: { name: 'DELETE', path: ['DELETING', 'DELETED', 'DELETE_ERROR'] },
};

/**
 * One step of Stop, Restart or Delete: the service moves to `during`, `work` runs, and the
 * service ends `done`, or `failed` with the error as its message. These actions are not
 * canceled (SPEC §5), so `work` gets a signal that never aborts. What `work` returns becomes
 * the step's message.
 */
export async function uncancelableStep(
  journal: DeploymentJournal,
  serviceId: string,
  operation: UncancelableOperation,
  work: (op: OperationContext) => Promise<string | void>,
): Promise<TaskOutcome> {
  const { name: stepName, path } = STEPS[operation];
  const [during, done, failed] = path;
  await journal.moveService(serviceId, during);
  const step = await journal.startStep(serviceId, stepName);
  const op: OperationContext = {
    signal: new AbortController().signal,
    log: (level, message) => void journal.log(serviceId, stepName, level, message),
  };
  try {
    const message = await work(op);
    await step.finish('SUCCESS', message ?? null);
    await journal.moveService(serviceId, done);
    return 'succeeded';
  } catch (err) {
    const message = errorMessage(err);
    await journal.log(serviceId, stepName, 'error', message);
    await step.finish('ERROR', message);
    await journal.moveService(serviceId, failed, message);
    return 'failed';
  }
}
