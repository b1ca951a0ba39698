import { StringDecoder } from 'node:string_decoder';
import { normalizeLogTime } from '../domain/log-time.js';
import type { InstanceLogLine, LogStream } from './runtime.js';

/** A line longer than this is cut into several: a program printing without newlines cannot grow the buffer. */
export const MAX_LINE_CHARS = 16 * 1024;

/** A piece of an instance's output on one stream, as a runtime's log API sends it. */
export interface OutputChunk {
  stream: LogStream;
  data: Buffer;
}

/**
 * Chunks of output into lines, each prefixed by the runtime with its RFC 3339 timestamp
 * (Docker's and Kubernetes' `timestamps=true`), which is parsed off. Pulls a chunk only when
 * the lines of the one before are consumed. A source whose reading was aborted just ends.
 */
export async function* timestampedLines(chunks: AsyncIterable<OutputChunk>, instance: string): AsyncGenerator<InstanceLogLine> {
  const partial: Record<LogStream, string> = { stdout: '', stderr: '' };
  const lastTs: Record<LogStream, string> = { stdout: '', stderr: '' };
  // A character cut between two chunks is decoded whole.
  const decoders: Record<LogStream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const line = (stream: LogStream, text: string): InstanceLogLine => {
    const space = text.indexOf(' ');
    const ts = space > 0 ? normalizeLogTime(text.slice(0, space)) : null;
    // A cut line's continuation has no timestamp of its own: it takes its first part's.
    if (ts) lastTs[stream] = ts;
    return { ts: ts ?? lastTs[stream], instance, stream, line: ts ? text.slice(space + 1) : text };
  };
  try {
    for await (const { stream, data } of chunks) {
      let text = partial[stream] + decoders[stream].write(data);
      let newline: number;
      while ((newline = text.indexOf('\n')) >= 0) {
        yield line(stream, text.slice(0, newline).replace(/\r$/, ''));
        text = text.slice(newline + 1);
      }
      while (text.length > MAX_LINE_CHARS) {
        yield line(stream, text.slice(0, MAX_LINE_CHARS));
        text = text.slice(MAX_LINE_CHARS);
      }
      partial[stream] = text;
    }
  } catch (error) {
    if ((error as { name?: string }).name !== 'AbortError' && (error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
  for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) yield line(stream, partial[stream]);
}

export interface ReorderOptions {
  /** Lines held at most: a line leaves once this many later-read lines are held behind it. */
  window: number;
  /** Following: held lines leave once nothing new was read for this long (a quiet app is not held back). */
  holdMs?: number;
}

/**
 * One instance's lines put in time order. Docker copies stdout and stderr to its log by two
 * separate copiers, so a stderr line can be stored after a stdout line printed microseconds
 * later; reading back in stored order would break the merge's "each source in time order".
 * A small sorted window fixes that disorder (always a few lines at most) at bounded memory.
 */
export async function* inTimeOrder(lines: AsyncIterable<InstanceLogLine>, options: ReorderOptions): AsyncGenerator<InstanceLogLine> {
  const held: InstanceLogLine[] = [];
  const iterator = lines[Symbol.asyncIterator]();
  try {
    let pending = iterator.next();
    for (;;) {
      const next = held.length > 0 && options.holdMs !== undefined ? await withinMs(pending, options.holdMs) : await pending;
      if (next === 'quiet') {
        yield* held.splice(0);
        continue;
      }
      if (next.done) break;
      pending = iterator.next();
      let at = held.length;
      while (at > 0 && held[at - 1]!.ts > next.value.ts) at--;
      held.splice(at, 0, next.value);
      if (held.length > options.window) yield held.shift()!;
    }
    yield* held.splice(0);
  } finally {
    // Not awaited: a followed source's pending read settles only when its stream is aborted.
    void iterator.return?.()?.catch(() => undefined);
  }
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | 'quiet'> {
  let timer: NodeJS.Timeout | undefined;
  const quiet = new Promise<'quiet'>((resolve) => (timer = setTimeout(() => resolve('quiet'), ms)));
  return Promise.race([promise, quiet]).finally(() => clearTimeout(timer));
}
