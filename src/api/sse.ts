import type { FastifyReply, FastifyRequest } from 'fastify';

/** A server-sent event stream on a hijacked reply (text/event-stream). */
export interface EventStream {
  send(event: string, data: unknown, id?: string | number): void;
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

export function openEventStream(request: FastifyRequest, reply: FastifyReply): EventStream {
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
  const stream: EventStream = {
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
    comment(text) {
      if (!closed) queue(`: ${text.replace(/\n/g, ' ')}\n\n`);
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
