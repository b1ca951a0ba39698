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
