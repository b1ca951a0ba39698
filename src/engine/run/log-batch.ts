import type { DeploymentRecordStore, LogLine } from '../../store/store.js';

/** How long a line waits for others to share its insert: a follower sees it this much later at most. */
const BATCH_MS = 20;

/**
 * A deployment's log lines, written in batches: the lines its services print within BATCH_MS
 * share one insert (50 services resolving an image are one statement, not 50). Inserts run one
 * after another, so lines keep their order. Each line's promise settles once it is stored.
 */
export class LogBatch {
  private pending: Array<Omit<LogLine, 'seq'>> = [];
  private scheduled: Promise<void> | undefined;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<DeploymentRecordStore, 'appendLogs'>,
    private readonly deploymentId: string,
    /** Called after each insert (the event that tells followers to read). */
    private readonly onWritten: () => void,
  ) {}

  add(line: Omit<LogLine, 'seq'>): Promise<void> {
    this.pending.push(line);
    this.scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, BATCH_MS)).then(() => this.flush());
    return this.scheduled;
  }

  /** Writes what waits now; settles once every line added so far is stored. */
  flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    this.scheduled = undefined;
    if (lines.length > 0) {
      this.written = this.written.then(async () => {
        await this.store.appendLogs(this.deploymentId, lines);
        this.onWritten();
      });
    }
    return this.written;
  }
}
