import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventStream } from './sse.js';

/**
 * Writes items as NDJSON (one JSON document a line) on a hijacked reply, at the pace the client
 * reads: a full socket buffer pauses the writing (and so the reading of the source) until it
 * drains. The returned signal aborts when the client goes away, the token is revoked, or the
 * source ends.
 */
export async function streamNdjson<T>(request: FastifyRequest, reply: FastifyReply, items: AsyncIterable<T>, controller: AbortController): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // Reverse proxies (nginx) would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  // Headers now, so a follower knows the stream is open before the first line.
  raw.flushHeaders();
  const listeners: Array<() => void> = [];
  const finish = (): void => {
    if (controller.signal.aborted) return;
    controller.abort();
    for (const listener of listeners.splice(0)) listener();
  };
  request.raw.on('close', finish);
  raw.on('close', finish);
  raw.on('error', finish);
  // A revoked token's streams are closed (docs/api.md#tokens-and-roles).
  const tracked: EventStream = {
    get closed() {
      return controller.signal.aborted;
    },
    send: () => undefined,
    sendShared: () => undefined,
    comment: () => undefined,
    close: () => {
      raw.end();
      finish();
    },
    onClose: (listener) => (controller.signal.aborted ? listener() : void listeners.push(listener)),
  };
  if (request.token) request.server.openStreams.track(request.token.id, tracked);
  try {
    for await (const item of items) {
      if (controller.signal.aborted) break;
      if (!raw.write(`${JSON.stringify(item)}\n`)) await drained(raw, controller.signal);
    }
  } catch (err) {
    request.log.warn({ err }, 'log stream ended by an error');
  } finally {
    if (!raw.writableEnded) raw.end();
    finish();
  }
}

function drained(raw: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      raw.removeListener('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    raw.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
