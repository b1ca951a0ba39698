import type { InstanceLogLine, LogQuery, Runtime, ServiceTarget } from '../../runtime/runtime.js';
import type { LogMerge } from './log-merge.js';

/** How often a follow looks for instances that started after it began. */
export const NEW_INSTANCE_POLL_MS = 2_000;

type ObservingRuntime = Required<Pick<Runtime, 'instances' | 'logSources'>>;

/**
 * Keeps a followed service's log merge fed with every running instance while the reader stays:
 * the instances a rollout or a Restart starts after the follow began, and an instance restarted
 * in place (its stream ended with its exit). Each instance's lines are given once: a source
 * opened again starts after the last line already given for that instance.
 */
export class InstanceFollower {
  /** Per instance: the time of the last line given, and whether its stream is open. */
  private readonly followed = new Map<string, { lastTs: string; open: boolean }>();

  constructor(
    private readonly runtime: ObservingRuntime,
    private readonly target: ServiceTarget,
    private readonly merge: LogMerge,
    private readonly signal: AbortSignal,
    /** When the follow began: an instance found later is read from there, not from its start. */
    private readonly startedAt: string,
  ) {}

  /** Adds the sources opened with the request, then polls until the reader goes away. */
  start(initial: Array<{ instance: string; lines: AsyncIterable<InstanceLogLine> }>, pollMs = NEW_INSTANCE_POLL_MS): void {
    // The request's own sources give what it asked for (tail, since) unfiltered.
    for (const source of initial) this.follow(source.instance, source.lines, '');
    const timer = setInterval(() => void this.poll().catch(() => undefined), pollMs);
    timer.unref();
    this.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }

  /** Opens a stream for each running instance that has none open. */
  async poll(): Promise<void> {
    if (this.signal.aborted) return;
    const running = (await this.runtime.instances(this.target)).filter((i) => i.state === 'RUNNING' || i.state === 'STARTING');
    for (const instance of running) {
      if (this.signal.aborted) return;
      const known = this.followed.get(instance.id);
      if (known?.open) continue;
      const since = known?.lastTs ?? this.startedAt;
      const query: LogQuery = { follow: true, signal: this.signal, instance: instance.id, since };
      const [source] = await this.runtime.logSources(this.target, query);
      if (source) this.follow(instance.id, source.lines, since);
    }
  }

  private follow(instance: string, lines: AsyncIterable<InstanceLogLine>, after: string): void {
    const state = this.followed.get(instance) ?? { lastTs: after, open: true };
    state.open = true;
    this.followed.set(instance, state);
    void this.merge.add({ instance, lines: this.unseen(lines, state) }).finally(() => {
      state.open = false;
    });
  }

  /** Lines after the last one given for the instance (a reopened stream repeats the second it starts in). */
  private async *unseen(lines: AsyncIterable<InstanceLogLine>, state: { lastTs: string }): AsyncGenerator<InstanceLogLine> {
    const floor = state.lastTs;
    for await (const line of lines) {
      if (line.ts <= floor) continue;
      state.lastTs = line.ts;
      yield line;
    }
  }
}
