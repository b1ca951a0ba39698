/**
 * The event-stream benchmark's SSE clients. They are the measuring tool, so they must cost
 * little: a thousand of them share the cores with the server they measure. Each one notes the
 * time it read each event and nothing else: it works on the bytes as they come, counting the
 * ends of data frames (`}\n\n`: every event's data is a JSON object, and comments such as
 * `: heartbeat` end otherwise) with native searches; no decoding, no string building, no
 * regular expression per frame. A few of them also parse every frame, so that the
 * benchmark can compare what they read with what the server published, event by event.
 */
import http from 'node:http';
import net from 'node:net';

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

const NEWLINE = 0x0a;
const CLOSING_BRACE = 0x7d;

/**
 * Counts the frame ends (`}\n\n`) in a chunk: one native search per newline, which is some
 * four times cheaper than searching for the three bytes (measured: 37 against 129 ns a frame).
 * `before` holds the last two bytes of the previous chunk (-1 when none), for a frame end
 * that straddles two chunks; the answer's `before` is this chunk's.
 */
function frameEnds(before: [number, number], chunk: Buffer): number {
  let count = 0;
  const [b1, b2] = before;
  const c0 = chunk[0] ?? -1;
  const c1 = chunk[1] ?? -1;
  if ((b1 === CLOSING_BRACE && b2 === NEWLINE && c0 === NEWLINE) || (b2 === CLOSING_BRACE && c0 === NEWLINE && c1 === NEWLINE)) count++;
  for (let i = chunk.indexOf(NEWLINE); i >= 0; i = chunk.indexOf(NEWLINE, i + 1)) {
    if (chunk[i + 1] === NEWLINE && chunk[i - 1] === CLOSING_BRACE) {
      count++;
      i++;
    }
  }
  if (chunk.length >= 2) {
    before[0] = chunk[chunk.length - 2]!;
    before[1] = chunk[chunk.length - 1]!;
  } else if (chunk.length === 1) {
    before[0] = b2;
    before[1] = c0;
  }
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

const READ_BUFFER = Buffer.alloc(64 * 1024);

/** Counts the events a chunk ended and notes when. */
function note(client: BenchClient, before: [number, number], chunk: Buffer): void {
  const at = performance.timeOrigin + performance.now();
  const ended = frameEnds(before, chunk);
  if (ended > 0) {
    client.readAt.push(at);
    client.readCount.push(ended);
    client.events += ended;
  }
}

/**
 * Connects one client to `path`; resolves once the server answered 200. A parsing client is an
 * http.get that decodes the chunked body. A counting one is a bare socket that counts frame ends
 * in the bytes as they come, chunk framing included: the framing (hex sizes and CRLFs) never
 * forms `}\n\n`, and a frame split across two HTTP chunks would be counted short, which the
 * benchmark reports (every client must count every event), never long. It saves the HTTP
 * parser and a stream per read, most of what a read cost the clients' process.
 */
export function connectBenchClient(port: number, path: string, token: string, parse: boolean): Promise<{ client: BenchClient; close: () => void }> {
  const client: BenchClient = { events: 0, readAt: [], readCount: [], frames: parse ? [] : null };
  const before: [number, number] = [-1, -1];
  if (!parse) {
    return new Promise((resolve, reject) => {
      let head: Buffer | null = Buffer.alloc(0);
      const socket = net.connect({
        host: '127.0.0.1',
        port,
        // Reads land in one buffer shared by all counting clients (each read is handled before
        // the next), instead of a new buffer and a stream push per read.
        onread: {
          buffer: READ_BUFFER,
          callback: (size: number, buffer: Uint8Array): boolean => {
            const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, size);
            if (head === null) {
              note(client, before, chunk);
              return true;
            }
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) return true;
            const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
            if (!/^HTTP\/1\.1 200 /.test(status)) {
              socket.destroy();
              reject(new Error(`GET ${path} answered ${status}`));
              return false;
            }
            const rest = head.subarray(end + 4);
            head = null;
            resolve({ client, close: () => socket.destroy() });
            if (rest.length > 0) note(client, before, rest);
            return true;
          },
        },
      });
      socket.write(`GET ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${token}\r\naccept: text/event-stream\r\n\r\n`);
      socket.on('error', reject);
    });
  }
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${token}` } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET ${path} answered ${response.statusCode}`));
      const frames = client.frames!;
      let text = '';
      const decoder = new TextDecoder();
      response.on('data', (chunk: Buffer) => {
        note(client, before, chunk);
        text = parseFrames(text + decoder.decode(chunk, { stream: true }), frames);
      });
      resolve({ client, close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}
