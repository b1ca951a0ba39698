import pLimit from 'p-limit';

/**
 * Runs an environment action's services stage by stage (docs/queue-and-cancel.md): stages one after another,
 * services of a stage in parallel up to a bound (a task that needs no slot is not counted).
 * First error: the services of that stage already running finish, nothing else starts, and
 * every service that never started is skipped with the reason. A canceled request skips what
 * has not started likewise.
 */

export type TaskOutcome = 'succeeded' | 'failed' | 'canceled';

export interface StageTask {
  /** Names the service in skip reasons. */
  name: string;
  /**
   * Optional: false lets the task run without waiting for a slot when its stage comes (a deploy
   * that changes nothing). Without it, the task takes a slot.
   */
  needsSlot?: Promise<boolean>;
  run(): Promise<TaskOutcome>;
  /** Ends a service that never started (it stays untouched on the runtime). */
  skip(reason: string): Promise<void>;
}

export interface RunnableStage {
  name: string;
  tasks: StageTask[];
}

/**
 * The first error of a deployment, shared with work that runs outside the stages: a build
 * that fails before its service's stage comes is the first error too (docs/build.md), and builds
 * for later services are stopped when any first error happens.
 */
export class FirstError {
  failure: { stage: string; task: string } | undefined;
  private readonly listeners: Array<() => void> = [];

  fail(stage: string, task: string): void {
    if (this.failure) return;
    this.failure = { stage, task };
    for (const listener of this.listeners) listener();
  }

  onFailure(listener: () => void): void {
    this.listeners.push(listener);
  }
}

export interface StagesOutcome {
  outcome: TaskOutcome;
  /** The first service that failed, for the deployment's message. */
  firstFailure?: { stage: string; task: string };
}

export async function runStages(
  stages: readonly RunnableStage[],
  options: { maxParallel: number; signal: AbortSignal; firstError?: FirstError },
): Promise<StagesOutcome> {
  const firstError = options.firstError ?? new FirstError();
  // Canceled means some work was given up: a service rolled back, or one skipped by the cancel.
  let anyCanceled = false;
  const skipReason = (): string =>
    firstError.failure
      ? `not started: ${firstError.failure.task} failed in stage ${firstError.failure.stage}`
      : 'not started: the deployment was canceled';
  const stopped = (): boolean => firstError.failure !== undefined || options.signal.aborted;

  for (const stage of stages) {
    const limit = pLimit(Math.max(1, options.maxParallel));
    const start = async (task: StageTask): Promise<void> => {
      if (stopped()) {
        if (!firstError.failure) anyCanceled = true;
        return task.skip(skipReason());
      }
      let outcome: TaskOutcome;
      try {
        outcome = await task.run();
      } catch {
        // A task reports its own errors; one that throws anyway counts as failed.
        outcome = 'failed';
      }
      if (outcome === 'failed') firstError.fail(stage.name, task.name);
      if (outcome === 'canceled') anyCanceled = true;
    };
    await Promise.all(
      stage.tasks.map(async (task) => {
        if (task.needsSlot && !stopped() && !(await task.needsSlot)) return start(task);
        return limit(() => start(task));
      }),
    );
  }
  if (firstError.failure) return { outcome: 'failed', firstFailure: firstError.failure };
  if (anyCanceled) return { outcome: 'canceled' };
  return { outcome: 'succeeded' };
}
