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
  const stream: EventStream = {
    get closed() {
      return closed;
    },
    send(event, data, id) {
      if (closed) return;
      const lines = [`event: ${event}`];
      if (id !== undefined) lines.push(`id: ${id}`);
      // JSON has no raw newlines, so one data line carries it.
      lines.push(`data: ${JSON.stringify(data)}`);
      raw.write(`${lines.join('\n')}\n\n`);
    },
    comment(text) {
      if (!closed) raw.write(`: ${text.replace(/\n/g, ' ')}\n\n`);
    },
    close() {
      if (closed) return;
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
