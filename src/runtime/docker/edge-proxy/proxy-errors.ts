import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The proxy's own error answers, in the API's error format (docs/api.md#errors). They never carry a
 * stack trace, a backend address or an upstream error message.
 */
export type ProxyErrorCode = 'NO_READY_INSTANCE' | 'UPSTREAM_ERROR';

const MESSAGES: Record<ProxyErrorCode, string> = {
  NO_READY_INSTANCE: 'No instance of this service is ready to take requests.',
  UPSTREAM_ERROR: 'The service instance did not answer.',
};

export const STATUS: Record<ProxyErrorCode, number> = { NO_READY_INSTANCE: 503, UPSTREAM_ERROR: 502 };

function body(code: ProxyErrorCode): string {
  return JSON.stringify({ error: { code, message: MESSAGES[code] } });
}

/** Answers the request with the error, or cuts the connection if a response has already begun. */
export function sendProxyError(res: ServerResponse, code: ProxyErrorCode): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  // Nothing of a failed upstream answer may leak into ours.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const text = body(code);
  res.writeHead(STATUS[code], {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** The same answer written on a raw socket (an upgrade request has no ServerResponse), then closed. */
export function writeRawProxyError(socket: Socket, code: ProxyErrorCode): void {
  if (socket.destroyed) return;
  const text = body(code);
  const status = STATUS[code];
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Cache-Control: no-store\r\n' +
      'Connection: close\r\n\r\n' +
      text,
  );
}
