import type { FastifyReply, FastifyRequest } from 'fastify';

/** A server-sent event stream on a hijacked reply (text/event-stream). */
export interface EventStream {
  send(event: string, data: unknown, id?: string | number): void;
  /** Writes frames made once for many streams (after what this stream has waiting), now. */
  sendShared(frames: SharedFrames): void;
  comment(text: string): void;
  close(): void;
  readonly closed: boolean;
  /** Called once, when the client goes away or close() is called. */
  onClose(listener: () => void): void;
}

/**
 * The JSON of an event, made once however many streams send it: an event published to 1,000
 * connected clients is one JSON.stringify, not 1,000. Keyed by the object, so an event the
 * publishers no longer hold is forgotten with it.
 */
const serializedEvents = new WeakMap<object, string>();

function serialized(data: unknown): string {
  if (data === null || typeof data !== 'object') return JSON.stringify(data);
  let json = serializedEvents.get(data);
  if (json === undefined) {
    json = JSON.stringify(data);
    serializedEvents.set(data, json);
  }
  return json;
}

/**
 * The bytes of a run of frames that many streams send alike, made once: the text as UTF-8, and
 * the same bytes framed as one HTTP/1.1 chunk, which a chunked response writes to its socket as
 * is. 1,000 clients of one event batch are then 1,000 socket writes of one buffer, not 1,000
 * encodings of one string.
 */
export class SharedFrames {
  /** The frames framed as an HTTP/1.1 chunk: size in hex, CRLF, the frames, CRLF. */
  readonly chunk: Buffer;
  /** The frames alone (a view into `chunk`). */
  readonly payload: Buffer;

  constructor(text: string) {
    const size = Buffer.byteLength(text);
    const head = `${size.toString(16)}\r\n`;
    this.chunk = Buffer.allocUnsafe(head.length + size + 2);
    this.chunk.write(head, 0, 'latin1');
    this.chunk.write(text, head.length, 'utf8');
    this.chunk.write('\r\n', head.length + size, 'latin1');
    this.payload = this.chunk.subarray(head.length, head.length + size);
  }
}

/**
 * The bytes a stream fed with shared frames (`GET /events`) may have written and not yet sent
 * before it is cut. A client that reads more slowly than events come would otherwise make the
 * server hold an ever longer queue for it; cut, it reconnects (an EventSource does so by
 * itself). 4 MiB is some 20,000 status events behind. Only sendShared checks it: a log follower
 * catching up on a long log is written its backlog in one go and must not be cut for that.
 */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/** An event stream this process writes to its client. */
export interface ClientEventStream extends EventStream {
  /**
   * Resolves once what was sent has mostly left for the client (or the stream closed): a
   * writer of a long backlog waits on it between batches, so a slow client paces the reading.
   */
  drained(): Promise<void>;
}

export function openEventStream(request: FastifyRequest, reply: FastifyReply): ClientEventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Reverse proxies (nginx) would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  let closed = false;
  const listeners: Array<() => void> = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    for (const l of listeners.splice(0)) {
      try {
        l();
      } catch (err) {
        request.log.error({ err }, 'event stream cleanup failed');
      }
    }
  };
  request.raw.on('close', finish);
  raw.on('close', finish);
  raw.on('error', finish);
  // Sends the headers now, so the client knows the stream is open.
  raw.write(': connected\n\n');
  /** Cuts a client that lets too much pile up (MAX_UNSENT_BYTES). */
  const checkBacklog = (): void => {
    const unsent = raw.writableLength ?? 0;
    if (closed || unsent <= MAX_UNSENT_BYTES) return;
    request.log.warn({ unsent }, 'event stream cut: the client reads too slowly');
    raw.destroy();
    finish();
  };
  // Frames sent in one turn of the event loop go out in one write: 40 services moving at once
  // are one write per client, not 40 (with 1,000 clients, the writes are most of the cost).
  let pending = '';
  const flush = (): void => {
    const frames = pending;
    pending = '';
    if (!closed && frames !== '') raw.write(frames);
  };
  const queue = (frame: string): void => {
    if (pending === '') setImmediate(flush);
    pending += frame;
  };
  const stream: ClientEventStream = {
    get closed() {
      return closed;
    },
    send(event, data, id) {
      if (closed) return;
      const lines = [`event: ${event}`];
      if (id !== undefined) lines.push(`id: ${id}`);
      // JSON has no raw newlines, so one data line carries it.
      lines.push(`data: ${serialized(data)}`);
      queue(`${lines.join('\n')}\n\n`);
    },
    sendShared(frames) {
      if (closed) return;
      if (pending !== '') flush();
      // Straight to the socket when the response is chunked: the chunk is already framed, and
      // the response's own write would frame it again per client. Anything the response still
      // holds (headers, a corked write) is in the socket's queue already, so order is kept.
      const socket = raw.socket;
      if (raw.chunkedEncoding && raw.headersSent && socket && !socket.destroyed) socket.write(frames.chunk);
      else raw.write(frames.payload);
      checkBacklog();
    },
    comment(text) {
      if (!closed) queue(`: ${text.replace(/\n/g, ' ')}\n\n`);
    },
    async drained() {
      flush();
      if (closed || !raw.writableNeedDrain) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          raw.off('drain', done);
          raw.off('close', done);
          resolve();
        };
        raw.on('drain', done);
        raw.on('close', done);
      });
    },
    close() {
      if (closed) return;
      flush();
      raw.end();
      finish();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
  // A revoked token's streams are closed (docs/api.md#tokens-and-roles).
  if (request.token) request.server.openStreams.track(request.token.id, stream);
  return stream;
}
