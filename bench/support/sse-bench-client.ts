/**
 * The event-stream benchmark's SSE clients. They are the measuring tool, so they must cost
 * little: a thousand of them share the cores with the server they measure. Each one notes the
 * time it read each event and nothing else: it works on the bytes as they come, counting the
 * ends of data frames (`}\n\n`: every event's data is a JSON object, and comments such as
 * `: heartbeat` end otherwise) with one native search per chunk; no decoding, no string
 * building, no regular expression per frame. A few of them also parse every frame, so that the
 * benchmark can compare what they read with what the server published, event by event.
 */
import http from 'node:http';

/**
 * What one client read. The time of each event is kept per chunk read (the time, and how many
 * frames ended in it), not per event: 5 million numbers would cost the clients' process more
 * garbage collection than the reading itself.
 */
export interface BenchClient {
  /** How many events it read. */
  events: number;
  /** The times it read chunks that ended events, in order... */
  readonly readAt: number[];
  /** ...and how many events ended in each. */
  readonly readCount: number[];
  /** Only on the clients that parse: each event read, as its `event:` type and `data:` line. */
  readonly frames: Array<{ event: string; data: string }> | null;
}

const FRAME_END = Buffer.from('}\n\n');

/** How many `}\n\n` end in this chunk, with the last bytes of the previous one (a frame end may straddle two chunks). */
function frameEnds(tail: Buffer, chunk: Buffer): number {
  let count = 0;
  if (tail.length > 0) {
    const seam = Buffer.concat([tail, chunk.subarray(0, FRAME_END.length - 1)]);
    for (let i = seam.indexOf(FRAME_END); i >= 0; i = seam.indexOf(FRAME_END, i + 1)) count++;
  }
  for (let i = chunk.indexOf(FRAME_END); i >= 0; i = chunk.indexOf(FRAME_END, i + FRAME_END.length)) count++;
  return count;
}

/** Calls `each` with the time the client read each event, in order. */
export function forEachReadTime(client: BenchClient, each: (at: number, index: number) => void): void {
  let index = 0;
  client.readAt.forEach((at, i) => {
    for (let n = client.readCount[i]!; n > 0; n--) each(at, index++);
  });
}

/** Parses whole frames out of `text`; answers what is left (an unfinished frame). */
function parseFrames(text: string, frames: Array<{ event: string; data: string }>): string {
  let start = 0;
  for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', start)) {
    const frame = text.slice(start, end);
    start = end + 2;
    if (frame.startsWith(':')) continue;
    let event = 'message';
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    frames.push({ event, data });
  }
  return text.slice(start);
}

/** Connects one client to `path`; resolves once the server answered 200. */
export function connectBenchClient(port: number, path: string, token: string, parse: boolean): Promise<{ client: BenchClient; request: http.ClientRequest }> {
  const client: BenchClient = { events: 0, readAt: [], readCount: [], frames: parse ? [] : null };
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET ${path} answered ${response.statusCode}`));
      const { readAt, readCount, frames } = client;
      let tail = Buffer.alloc(0);
      let text = '';
      const decoder = new TextDecoder();
      response.on('data', (chunk: Buffer) => {
        const at = performance.timeOrigin + performance.now();
        const ended = frameEnds(tail, chunk);
        if (ended > 0) {
          readAt.push(at);
          readCount.push(ended);
          client.events += ended;
        }
        const keep = FRAME_END.length - 1;
        tail = chunk.length >= keep ? Buffer.from(chunk.subarray(chunk.length - keep)) : Buffer.concat([tail, chunk]).subarray(-keep);
        if (frames) text = parseFrames(text + decoder.decode(chunk, { stream: true }), frames);
      });
      resolve({ client, request });
    });
    request.on('error', reject);
  });
}
