import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { inTimeOrder, timestampedLines, type OutputChunk } from '../log-lines.js';
import type { InstanceLogLine, LogQuery, LogStream } from '../runtime.js';

/** Frames of the engine's multiplexed stream: 1 stdout, 2 stderr (0 stdin, never in logs). */
const STREAM_OF: Record<number, LogStream> = { 1: 'stdout', 2: 'stderr' };

/**
 * The output of one container through the Engine API's logs endpoint, with its timestamps, as
 * a stream read only as fast as it is consumed (the response is never read into memory whole,
 * followed or not), in time order (see inTimeOrder).
 */
export async function openContainerLogs(docker: Docker, container: { id: string; name: string; tty: boolean }, query: LogQuery): Promise<AsyncIterable<InstanceLogLine>> {
  const options: Record<string, unknown> = { stdout: true, stderr: true, timestamps: true, follow: query.follow };
  if (query.tail !== undefined) options.tail = query.tail;
  if (query.since !== undefined) options.since = unixSeconds(query.since);
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${container.id}/logs?`,
        method: 'GET',
        options,
        isStream: true,
        abortSignal: query.signal,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
      },
      (error, stream) => (error ? reject(error as Error) : resolve(stream as IncomingMessage)),
    );
  });
  const frames = container.tty ? rawFrames(response) : demultiplex(response);
  return inTimeOrder(timestampedLines(frames, container.id), { window: REORDER_WINDOW, ...(query.follow ? { holdMs: FOLLOW_HOLD_MS } : {}) });
}

/** Docker's two copiers (stdout, stderr) disorder a few lines at most; followed, a line waits this long at most. */
const REORDER_WINDOW = 32;
const FOLLOW_HOLD_MS = 20;

/** Docker's `since`: seconds since the epoch, with a fraction. */
function unixSeconds(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '0' : (ms / 1000).toFixed(3);
}

/** A container with a terminal sends its output as is, all of it stdout. */
async function* rawFrames(response: AsyncIterable<Buffer>): AsyncGenerator<OutputChunk> {
  for await (const chunk of response) yield { stream: 'stdout', data: chunk };
}

/** Splits the multiplexed stream: 8-byte headers (stream type, then the payload size, big-endian). */
async function* demultiplex(response: AsyncIterable<Buffer>): AsyncGenerator<OutputChunk> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of response) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const stream = STREAM_OF[pending[0]!];
      if (stream) yield { stream, data: pending.subarray(8, 8 + size) };
      pending = pending.subarray(8 + size);
    }
  }
}
