import type { InstanceLogLine, LogSource } from '../../runtime/runtime.js';

export interface MergeOptions {
  /**
   * How long a line may wait for the other sources to show they have nothing earlier. Infinity
   * (reading what was kept): every line waits until each open source has a line or has ended,
   * so the merge is exact. Following: a silent instance holds the others' lines this long at most.
   */
  graceMs: number;
  /** Lines read ahead per source; a full buffer stops the reading of that source until the merge takes from it. */
  bufferPerSource: number;
  /** Sources may still be added (new instances of a followed service): the merge ends only when stopped. */
  openEnded?: boolean;
}

interface Queued {
  line: InstanceLogLine;
  arrivedMs: number;
}

/**
 * Several instances' outputs merged into one, by time (each source is in time order already).
 * Memory stays bounded whatever the volume: each source is read at most bufferPerSource lines
 * ahead, and nothing is read faster than the consumer of the merge takes lines; a consumer that
 * stops pulling stops every reading. Sources may be added while it runs (new instances).
 */
export class LogMerge implements AsyncIterable<InstanceLogLine> {
  private queues: Array<{ items: Queued[]; ended: boolean; wake: (() => void) | null }> = [];
  private notify: (() => void) | null = null;
  private stopped = false;

  constructor(
    sources: readonly LogSource[],
    private readonly options: MergeOptions,
  ) {
    for (const source of sources) this.add(source);
  }

  /** Reads one more source; the promise settles when that source has ended (or the merge stopped). */
  add(source: LogSource): Promise<void> {
    const queue = { items: [] as Queued[], ended: false, wake: null as (() => void) | null };
    this.queues.push(queue);
    return this.pump(source, queue);
  }

  /** Ends the merge: every pump stops pulling. */
  stop(): void {
    this.stopped = true;
    for (const queue of this.queues) queue.wake?.();
    this.notify?.();
  }

  private async pump(source: LogSource, queue: LogMerge['queues'][number]): Promise<void> {
    const iterator = source.lines[Symbol.asyncIterator]();
    try {
      while (!this.stopped) {
        if (queue.items.length >= this.options.bufferPerSource) {
          // Backpressure: pause this source until the merge takes from it.
          await new Promise<void>((resolve) => (queue.wake = resolve));
          queue.wake = null;
          continue;
        }
        const next = await iterator.next();
        if (next.done) break;
        queue.items.push({ line: next.value, arrivedMs: Date.now() });
        this.notify?.();
      }
    } catch {
      // A source that fails (its instance removed mid-read) ends; the others go on.
    } finally {
      queue.ended = true;
      this.notify?.();
      if (this.stopped) await iterator.return?.().catch(() => undefined);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<InstanceLogLine> {
    try {
      for (;;) {
        if (this.stopped) return;
        const pick = this.pick();
        if (pick === 'done') return;
        if (typeof pick === 'object') {
          const queue = this.queues[pick.index]!;
          queue.items.shift();
          queue.wake?.();
          yield pick.line;
          continue;
        }
        await this.waitForChange(pick);
      }
    } finally {
      this.stop();
    }
  }

  /** The next line to give, 'done', or how long to wait (ms) before a held line may go anyway. */
  private pick(): { index: number; line: InstanceLogLine } | 'done' | number {
    // A source that ended with nothing left to give is forgotten (a long follow sees many come and go).
    if (this.queues.some((q) => q.ended && q.items.length === 0)) this.queues = this.queues.filter((q) => !q.ended || q.items.length > 0);
    let best = -1;
    let allHaveLines = true;
    for (let i = 0; i < this.queues.length; i++) {
      const queue = this.queues[i]!;
      const head = queue.items[0];
      if (!head) {
        if (!queue.ended) allHaveLines = false;
        continue;
      }
      if (best < 0 || head.line.ts < this.queues[best]!.items[0]!.line.ts) best = i;
    }
    if (best < 0) return !this.options.openEnded && this.queues.length === 0 ? 'done' : Number.POSITIVE_INFINITY;
    const head = this.queues[best]!.items[0]!;
    if (allHaveLines) return { index: best, line: head.line };
    const waited = Date.now() - head.arrivedMs;
    if (waited >= this.options.graceMs) return { index: best, line: head.line };
    return this.options.graceMs - waited;
  }

  private waitForChange(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(done, Math.max(1, timeoutMs)) : undefined;
      function done(): void {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.notify = () => {
        this.notify = null;
        done();
      };
    });
  }
}
