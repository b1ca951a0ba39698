import { DomainError } from '../../domain/index.js';
import type { DeploymentRecordStore, JournalWrites, JournalWritten } from '../../store/store.js';

/** What one stored batch says, for its writers to read their own outcome from. */
interface BatchOutcome {
  notMoved: Set<string>;
  missingSteps: Set<string>;
  stepIds: string[];
}

interface Writer {
  settle(outcome: BatchOutcome): void;
  reject(err: unknown): void;
}

/**
 * Writers settled in one turn of the event loop. Each writer's service goes on at once with its
 * next piece of work (up to about a millisecond of CPU): settling the 400 writers of a large
 * batch together held the event loop for 200–300 ms, and with it the events those services had
 * just published (GET /events), HTTP requests and timers. Between slices the loop turns once.
 */
export const SETTLE_SLICE = 25;

/**
 * Running deployments' status moves and step starts and ends, written together: what their
 * services ask for while the event loop turns once (services running in parallel reach the same
 * step at the same moment, in every environment) is one transaction of a few statements
 * (DeploymentRecordStore.writeJournal). Batches run one after another; each write's promise
 * settles once its batch is stored, in the order the writes were asked for, SETTLE_SLICE
 * writers per turn of the event loop. One per engine.
 */
export class JournalBatch {
  private writes: JournalWrites = emptyWrites();
  private writers: Writer[] = [];
  private scheduled = false;
  private written: Promise<void> = Promise.resolve();

  constructor(private readonly store: Pick<DeploymentRecordStore, 'writeJournal'>) {}

  /** Compare-and-set of the service's status and its status in the deployment's record: false when it was not in `from`. */
  move(write: JournalWrites['moves'][number]): Promise<boolean> {
    this.writes.moves.push(write);
    return this.add((outcome) => !outcome.notMoved.has(write.serviceId));
  }

  /** What a deploy leaves on its service (ServiceStore.setDeployedState); nothing when the service no longer exists. */
  recordDeployed(write: JournalWrites['deployedStates'][number]): Promise<void> {
    this.writes.deployedStates.push(write);
    return this.add(() => undefined);
  }

  finishStep(write: JournalWrites['finishSteps'][number]): Promise<void> {
    this.writes.finishSteps.push(write);
    return this.add((outcome) => {
      if (outcome.missingSteps.has(write.stepId)) throw new DomainError('NOT_FOUND', `step ${write.stepId} does not exist`);
    });
  }

  /** The new step's id. */
  startStep(write: JournalWrites['startSteps'][number]): Promise<string> {
    const index = this.writes.startSteps.push(write) - 1;
    return this.add((outcome) => outcome.stepIds[index]!);
  }

  /** Settles once every write asked for so far is stored (or failed) and its writer settled. */
  settled(): Promise<void> {
    // Immediates run in order: after this one, the batch scheduled before it has chained its write.
    if (this.scheduled) return new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.written);
    return this.written;
  }

  /** `result` reads the writer's own outcome from the stored batch, or throws its error. */
  private add<R>(result: (outcome: BatchOutcome) => R): Promise<R> {
    const done = new Promise<R>((resolve, reject) =>
      this.writers.push({
        settle: (outcome) => {
          try {
            resolve(result(outcome));
          } catch (err) {
            reject(err);
          }
        },
        reject,
      }),
    );
    if (!this.scheduled) {
      this.scheduled = true;
      // After the current turn: every service that reaches a write meanwhile shares the batch.
      setImmediate(() => {
        this.written = this.written.then(() => this.flush());
      });
    }
    return done;
  }

  private async flush(): Promise<void> {
    const writes = this.writes;
    const writers = this.writers;
    this.writes = emptyWrites();
    this.writers = [];
    this.scheduled = false;
    let written: JournalWritten;
    try {
      written = await this.store.writeJournal(writes);
    } catch (err) {
      for (const writer of writers) writer.reject(err);
      return;
    }
    const outcome: BatchOutcome = { notMoved: new Set(written.notMoved), missingSteps: new Set(written.missingSteps), stepIds: written.stepIds };
    for (let i = 0; i < writers.length; i += SETTLE_SLICE) {
      for (const writer of writers.slice(i, i + SETTLE_SLICE)) writer.settle(outcome);
      // After the last slice too: the next batch is stored once this one is done, and it should
      // hold what the last slice's writers ask for next, not leave that to a batch of its own.
      if (writers.length > SETTLE_SLICE) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

function emptyWrites(): JournalWrites {
  return { deployedStates: [], moves: [], finishSteps: [], startSteps: [] };
}
