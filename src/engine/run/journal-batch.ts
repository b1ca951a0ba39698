import { DomainError } from '../../domain/index.js';
import type { DeploymentRecordStore, JournalWrites, JournalWritten } from '../../store/store.js';

type Move = JournalWrites['moves'][number];
type Finish = JournalWrites['finishSteps'][number];
type Start = JournalWrites['startSteps'][number];

interface Waiting<T, R> {
  write: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

/**
 * Running deployments' status moves and step starts and ends, written together: what their
 * services ask for while the event loop turns once (services running in parallel reach the same
 * step at the same moment, in every environment) is one transaction of a few statements
 * (DeploymentRecordStore.writeJournal). Batches run one after another; each write's promise
 * settles once its batch is stored. One per engine.
 */
export class JournalBatch {
  private moves: Array<Waiting<Move, boolean>> = [];
  private finishes: Array<Waiting<Finish, void>> = [];
  private starts: Array<Waiting<Start, string>> = [];
  private scheduled = false;
  private written: Promise<void> = Promise.resolve();

  constructor(private readonly store: Pick<DeploymentRecordStore, 'writeJournal'>) {}

  /** Compare-and-set of the service's status and its status in the deployment's record: false when it was not in `from`. */
  move(write: Move): Promise<boolean> {
    return this.add(this.moves, write);
  }

  finishStep(write: Finish): Promise<void> {
    return this.add(this.finishes, write);
  }

  /** The new step's id. */
  startStep(write: Start): Promise<string> {
    return this.add(this.starts, write);
  }

  /** Settles once every write asked for so far is stored (or failed). */
  settled(): Promise<void> {
    // Immediates run in order: after this one, the batch scheduled before it has chained its write.
    if (this.scheduled) return new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.written);
    return this.written;
  }

  private add<T, R>(list: Array<Waiting<T, R>>, write: T): Promise<R> {
    const done = new Promise<R>((resolve, reject) => list.push({ write, resolve, reject }));
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
    const moves = this.moves;
    const finishes = this.finishes;
    const starts = this.starts;
    this.moves = [];
    this.finishes = [];
    this.starts = [];
    this.scheduled = false;
    let written: JournalWritten;
    try {
      written = await this.store.writeJournal({
        moves: moves.map((m) => m.write),
        finishSteps: finishes.map((f) => f.write),
        startSteps: starts.map((s) => s.write),
      });
    } catch (err) {
      for (const waiting of [...moves, ...finishes, ...starts]) waiting.reject(err);
      return;
    }
    const notMoved = new Set(written.notMoved);
    const missing = new Set(written.missingSteps);
    for (const m of moves) m.resolve(!notMoved.has(m.write.serviceId));
    for (const f of finishes) {
      if (missing.has(f.write.stepId)) f.reject(new DomainError('NOT_FOUND', `step ${f.write.stepId} does not exist`));
      else f.resolve();
    }
    starts.forEach((s, i) => s.resolve(written.stepIds[i]!));
  }
}
