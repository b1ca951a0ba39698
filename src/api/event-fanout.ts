import type { EventBus, SlipwayEvent } from '../engine/events.js';
import type { Token } from '../store/store.js';
import { reaches } from './project-access.js';
import { SharedFrames, type EventStream } from './sse.js';

/**
 * Who hears which events on `GET /events`: the token's projects and the query's filters.
 * Streams with the same audience receive the same bytes.
 */
export interface Audience {
  /** Equal for audiences that hear the same events. */
  readonly key: string;
  hears(event: SlipwayEvent): boolean;
}

export function audienceOf(token: Token | null, filter: { projectId?: string | undefined; environmentId?: string | undefined }): Audience {
  const projects = token?.projects ? [...token.projects].sort() : null;
  const { projectId, environmentId } = filter;
  return {
    key: JSON.stringify([projects, projectId ?? null, environmentId ?? null]),
    hears: (event) =>
      // A token limited to projects never hears of the others (docs/teams.md#project-limited-tokens).
      reaches(token, event.projectId) && (!projectId || event.projectId === projectId) && (!environmentId || event.environmentId === environmentId),
  };
}

/**
 * A batch waits for the end of the event loop's turn, but not longer than this (or than the
 * CPU time the last batch took to write, if that was more): the engine can publish for
 * hundreds of milliseconds without the turn ending (its store calls are synchronous SQLite
 * behind promises), and clients should not wait for it. The second bound keeps writing the
 * batches to at most about half the process's time when there are many clients; it counts CPU
 * time, not wall time, so that a process the machine's other work holds back does not then
 * hold its batches back longer too.
 */
export const MAX_BATCH_WAIT_MS = 20;

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface Group {
  readonly audience: Audience;
  readonly streams: Set<EventStream>;
  /** The frames of the current batch that this audience hears. */
  frames: string[];
}

/**
 * Fans the engine's events out to the open `GET /events` streams. Each event is checked once
 * per audience (not once per client), serialized once, and the frames of a batch are encoded
 * once per audience and written once to each of its streams: with 1,000 clients of one admin
 * token, an event costs 1 JSON, 1 visibility check, and a share of 1,000 writes of one buffer.
 * Subscribed to the bus only while streams are open.
 */
export class EventFanout {
  private readonly groups = new Map<string, Group>();
  private unsubscribe: (() => void) | null = null;
  /** When the oldest event of the current batch was published; null when none waits. */
  private oldest: number | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** The CPU time writing the last batch took. */
  private lastFlushCpuMs = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly now: () => number = () => performance.now(),
    private readonly cpuMs: () => number = processCpuMs,
  ) {}

  /** Sends the stream every event its audience hears, until it closes. */
  add(stream: EventStream, audience: Audience): void {
    if (stream.closed) return;
    let group = this.groups.get(audience.key);
    if (!group) {
      group = { audience, streams: new Set(), frames: [] };
      this.groups.set(audience.key, group);
    }
    group.streams.add(stream);
    const joined = group;
    stream.onClose(() => {
      joined.streams.delete(stream);
      if (joined.streams.size === 0 && this.groups.get(audience.key) === joined) this.groups.delete(audience.key);
      if (this.groups.size === 0) this.stop();
    });
    this.unsubscribe ??= this.bus.subscribe((event) => this.receive(event));
  }

  /** How many streams are open (for tests). */
  get size(): number {
    let n = 0;
    for (const group of this.groups.values()) n += group.streams.size;
    return n;
  }

  close(): void {
    this.stop();
  }

  private receive(event: SlipwayEvent): void {
    let frame: string | undefined;
    for (const group of this.groups.values()) {
      if (!group.audience.hears(event)) continue;
      // JSON has no raw newlines, so one data line carries it.
      frame ??= `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
      group.frames.push(frame);
    }
    if (frame === undefined) return;
    const now = this.now();
    if (this.oldest === null) this.oldest = now;
    this.immediate ??= setImmediate(() => {
      this.immediate = null;
      this.flush();
    });
    if (now - this.oldest >= Math.max(MAX_BATCH_WAIT_MS, this.lastFlushCpuMs)) this.flush();
  }

  private flush(): void {
    if (this.oldest === null) return;
    this.oldest = null;
    const start = this.cpuMs();
    for (const group of this.groups.values()) {
      if (group.frames.length === 0) continue;
      const shared = new SharedFrames(group.frames.join(''));
      group.frames = [];
      for (const stream of group.streams) stream.sendShared(shared);
    }
    this.lastFlushCpuMs = this.cpuMs() - start;
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.oldest = null;
    for (const group of this.groups.values()) group.frames = [];
  }
}
