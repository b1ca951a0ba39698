import http from 'node:http';
import net from 'node:net';
import { pipeline } from 'node:stream';
import type { BackendEntry, BackendPool } from './backend-pool.js';
import { endToEndHeaders, upgradeRequestHead, upstreamRequestHeaders } from './http-headers.js';
import { listen, closeServer } from './listen.js';
import { sendProxyError, writeRawProxyError } from './proxy-errors.js';
import { joinSockets } from './socket-pair.js';
import type { RouteListener } from './types.js';

/** Methods safe to send twice: a failed attempt is retried once on another backend. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

/** At most this many backends are tried for one request (the first, then one retry). */
const MAX_ATTEMPTS = 2;

function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Whether a request whose upstream attempt failed before any response byte may go to another
 * backend. Only requests without a body (nothing of it has been consumed) qualify: idempotent
 * ones always, others only on the race Node's docs describe, a reused keep-alive socket the
 * backend closed just as the request was written (the backend never saw the request).
 */
function mayRetry(req: http.IncomingMessage, upstream: http.ClientRequest, err: NodeJS.ErrnoException): boolean {
  if (hasBody(req)) return false;
  if (IDEMPOTENT.has(req.method ?? '')) return true;
  return upstream.reusedSocket && err.code === 'ECONNRESET';
}

/** Forwards one request to a backend of the pool, retrying once on another where allowed. */
function forward(pool: BackendPool, req: http.IncomingMessage, res: http.ServerResponse): void {
  const tried = new Set<BackendEntry>();
  let current: http.ClientRequest | undefined;
  // The client went away: abandon the upstream request (its backend's in-flight count drops).
  res.on('close', () => {
    if (!res.writableFinished) current?.destroy();
  });

  const attempt = (): void => {
    const entry = pool.pick(tried);
    if (!entry) {
      sendProxyError(res, tried.size === 0 ? 'NO_READY_INSTANCE' : 'UPSTREAM_ERROR');
      return;
    }
    tried.add(entry);
    const release = entry.acquire();
    let upstream: http.ClientRequest;
    try {
      upstream = http.request({
        host: entry.backend.host,
        port: entry.backend.port,
        method: req.method,
        path: req.url,
        headers: upstreamRequestHeaders(req),
        agent: entry.agent,
      });
    } catch {
      // Node refused to build the request (e.g. a malformed backend address): never throw
      // out of the request handler, that would take the whole control plane down.
      release();
      sendProxyError(res, 'UPSTREAM_ERROR');
      return;
    }
    current = upstream;
    let responded = false;
    upstream.on('close', release);
    upstream.on('response', (upstreamRes) => {
      responded = true;
      try {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, endToEndHeaders(upstreamRes.headers));
      } catch {
        // A status line or header Node will not write (it validates stricter than it parses).
        upstream.destroy();
        sendProxyError(res, 'UPSTREAM_ERROR');
        return;
      }
      // pipeline destroys the upstream response if the client goes away, and the client
      // response if the upstream breaks mid-body (the client then sees a cut connection,
      // the only honest signal once a status line has been sent).
      pipeline(upstreamRes, res, () => undefined);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      req.unpipe(upstream);
      if (responded || res.destroyed) {
        // Mid-body: cut the client connection (a complete response is left alone).
        if (!res.writableEnded) res.destroy();
        return;
      }
      if (tried.size < MAX_ATTEMPTS && mayRetry(req, upstream, err)) {
        attempt();
        return;
      }
      sendProxyError(res, 'UPSTREAM_ERROR');
    });
    if (hasBody(req)) req.pipe(upstream);
    else upstream.end();
  };
  attempt();
}

/**
 * Tunnels an upgrade request (WebSocket) to a backend: the request head is written to a new
 * TCP connection and the two sockets are piped. The tunnel counts as in-flight work on its
 * backend until either side closes it.
 */
function tunnel(pool: BackendPool, req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
  const tried = new Set<BackendEntry>();
  client.on('error', () => undefined);
  client.setNoDelay(true);

  const attempt = (): void => {
    const entry = pool.pick(tried);
    if (!entry) {
      writeRawProxyError(client, tried.size === 0 ? 'NO_READY_INSTANCE' : 'UPSTREAM_ERROR');
      return;
    }
    tried.add(entry);
    const release = entry.acquire();
    const upstream = net.connect({ host: entry.backend.host, port: entry.backend.port });
    let connected = false;
    const onClientClose = (): void => {
      upstream.destroy();
    };
    client.on('close', onClientClose);
    upstream.on('connect', () => {
      connected = true;
      upstream.setNoDelay(true);
      upstream.write(upgradeRequestHead(req));
      if (head.length > 0) upstream.write(head);
      client.off('close', onClientClose);
      joinSockets(client, upstream);
    });
    upstream.on('error', () => {
      if (connected || client.destroyed) {
        client.destroy();
        return;
      }
      client.off('close', onClientClose);
      // Upgrade requests carry no body, so a refused connection may be tried elsewhere.
      if (tried.size < MAX_ATTEMPTS && IDEMPOTENT.has(req.method ?? '')) attempt();
      else writeRawProxyError(client, 'UPSTREAM_ERROR');
    });
    upstream.on('close', release);
  };
  attempt();
}

/** Listens on `port` and reverse-proxies HTTP (and upgrades) to the pool's backends, chosen per request. */
export async function openHttpRoute(pool: BackendPool, host: string, port: number): Promise<RouteListener> {
  const upgraded = new Set<net.Socket>();
  const server = http.createServer((req, res) => forward(pool, req, res));
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    tunnel(pool, req, socket, head);
  });
  // Malformed requests get Node's plain 400 and a closed connection; nothing is logged.
  server.on('clientError', (_err, socket: net.Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  await listen(server, host, port);
  return {
    close: async () => {
      const closed = closeServer(server);
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      await closed;
    },
  };
}
