import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1): they are never
 * forwarded; each side of the proxy has its own connection and Node writes its own.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The headers of `headers` that may cross the proxy, minus those named in `drop`. */
export function endToEndHeaders(headers: IncomingHttpHeaders, drop: readonly string[] = []): OutgoingHttpHeaders {
  const named = new Set(drop);
  // A Connection header may name further per-connection headers.
  for (const token of (headers.connection ?? '').split(',')) named.add(token.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The client's address, without the IPv4-mapped IPv6 prefix. */
function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/**
 * X-Forwarded-For (appended to, as each proxy on the way does), -Proto and -Host (set: this
 * proxy is where the client's request entered, over plain HTTP).
 */
export function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const prior = req.headers['x-forwarded-for'];
  const address = clientAddress(req);
  const forwarded: Record<string, string> = {
    'x-forwarded-for': prior ? `${prior}, ${address}` : address,
    'x-forwarded-proto': 'http',
  };
  if (req.headers.host !== undefined) forwarded['x-forwarded-host'] = req.headers.host;
  return forwarded;
}

/** Request headers for the upstream request of an ordinary (not upgraded) HTTP request. */
export function upstreamRequestHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  // `expect` is dropped: the proxy's server has already answered "100 Continue" to the client.
  return { ...endToEndHeaders(req.headers, ['expect', 'x-forwarded-proto', 'x-forwarded-host']), ...forwardedHeaders(req) };
}

/**
 * The request head of an upgrade request, written verbatim to the backend: the raw headers
 * (Connection and Upgrade included, they are what asks for the upgrade) plus X-Forwarded-*.
 */
export function upgradeRequestHead(req: IncomingMessage): string {
  const forwarded = forwardedHeaders(req);
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    if (name.toLowerCase() in forwarded) continue;
    lines.push(`${name}: ${req.rawHeaders[i + 1] ?? ''}`);
  }
  for (const [name, value] of Object.entries(forwarded)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
