import pLimit from 'p-limit';

/**
 * Runs an environment action's services stage by stage (SPEC §5): stages one after another,
 * services of a stage in parallel up to a bound. First error: the services of that stage
 * already running finish, nothing else starts, and every service that never started is
 * skipped with the reason. A canceled request skips what has not started likewise.
 */

export type TaskOutcome = 'succeeded' | 'failed' | 'canceled';

export interface StageTask {
  /** Names the service in skip reasons. */
  name: string;
  run(): Promise<TaskOutcome>;
  /** Ends a service that never started (it stays untouched on the runtime). */
  skip(reason: string): Promise<void>;
}

export interface RunnableStage {
  name: string;
  tasks: StageTask[];
}

export interface StagesOutcome {
  outcome: TaskOutcome;
  /** The first service that failed, for the deployment's message. */
  firstFailure?: { stage: string; task: string };
}

export async function runStages(
  stages: readonly RunnableStage[],
  options: { maxParallel: number; signal: AbortSignal },
): Promise<StagesOutcome> {
  let firstFailure: StagesOutcome['firstFailure'];
  // Canceled means some work was given up: a service rolled back, or one skipped by the cancel.
  let anyCanceled = false;
  const skipReason = (): string =>
    firstFailure
      ? `not started: ${firstFailure.task} failed in stage ${firstFailure.stage}`
      : 'not started: the deployment was canceled';
  const stopped = (): boolean => firstFailure !== undefined || options.signal.aborted;

  for (const stage of stages) {
    const limit = pLimit(Math.max(1, options.maxParallel));
    await Promise.all(
      stage.tasks.map((task) =>
        limit(async () => {
          if (stopped()) {
            if (!firstFailure) anyCanceled = true;
            return task.skip(skipReason());
          }
          let outcome: TaskOutcome;
          try {
            outcome = await task.run();
          } catch {
            // A task reports its own errors; one that throws anyway counts as failed.
            outcome = 'failed';
          }
          if (outcome === 'failed' && !firstFailure) firstFailure = { stage: stage.name, task: task.name };
          if (outcome === 'canceled') anyCanceled = true;
        }),
      ),
    );
  }
  if (firstFailure) return { outcome: 'failed', firstFailure };
  if (anyCanceled) return { outcome: 'canceled' };
  return { outcome: 'succeeded' };
}
