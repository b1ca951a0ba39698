import net from 'node:net';
import type { BackendEntry, BackendPool } from './backend-pool.js';
import { closeServer, listen } from './listen.js';
import { joinSockets } from './socket-pair.js';
import type { RouteListener } from './types.js';

/** At most this many backends are tried for one connection (the first, then one retry). */
const MAX_ATTEMPTS = 2;

/**
 * Connects a client to one backend for the whole connection. The client's bytes wait (the
 * socket is not read) until the backend connection is up, so a refused backend can be
 * replaced by another one without the client noticing.
 */
function relay(pool: BackendPool, client: net.Socket): void {
  const tried = new Set<BackendEntry>();
  client.on('error', () => undefined);

  const attempt = (): void => {
    const entry = pool.pick(tried);
    if (!entry) {
      client.destroy();
      return;
    }
    tried.add(entry);
    const release = entry.acquire();
    // allowHalfOpen on both sides: a client that finishes sending (FIN) still gets the
    // backend's whole answer; each socket closes once both of its directions are done.
    const upstream = net.connect({ host: entry.backend.host, port: entry.backend.port, allowHalfOpen: true });
    let connected = false;
    const onClientClose = (): void => {
      upstream.destroy();
    };
    client.on('close', onClientClose);
    upstream.on('connect', () => {
      connected = true;
      client.off('close', onClientClose);
      joinSockets(client, upstream);
    });
    upstream.on('error', () => {
      if (connected || client.destroyed) {
        client.destroy();
        return;
      }
      client.off('close', onClientClose);
      if (tried.size < MAX_ATTEMPTS) attempt();
      else client.destroy();
    });
    upstream.on('close', release);
  };
  attempt();
}

/** Listens on `port` and relays each TCP connection to one of the pool's backends (round robin). */
export async function openTcpRoute(pool: BackendPool, host: string, port: number): Promise<RouteListener> {
  const clients = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    relay(pool, client);
  });
  await listen(server, host, port);
  return {
    close: async () => {
      const closed = closeServer(server);
      for (const client of clients) client.destroy();
      await closed;
    },
  };
}
