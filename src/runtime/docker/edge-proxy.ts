/**
 * Slipway's edge proxy for the Docker runtime (docs/runtimes.md#docker: public ports go through
 * an edge proxy that routes to ready instances only). Each public port of a service listens on a
 * stable host port; traffic goes only to the backends the runtime added (instances that passed
 * their readiness probe). Replacing instances is: addBackend(new) → drainBackend(old) → remove the
 * old container; clients see no failed request.
 *
 * Why hand-written on node:http / node:net rather than `http-proxy` (1.18.1, an old release
 * whose API is a pipe plus events): zero downtime hinges on three things that library leaves
 * to its caller anyway — counting in-flight requests per backend (drain waits for them),
 * closing a draining backend's idle upstream keep-alive sockets (one http.Agent per backend),
 * and retrying a request on another backend only while nothing of it has been answered or
 * consumed. With http-proxy those would be bolted on through its events and its single error
 * callback; with node:http the whole request path is one ~70-line function we fully control
 * (forward() in edge-proxy/http-route.ts). `http-proxy-3` needs Node 22.
 *
 * Layout: edge-proxy/backend-pool.ts (backends, round robin, in-flight counts, drain),
 * edge-proxy/http-route.ts (reverse proxy + WebSocket upgrades), edge-proxy/tcp-route.ts
 * (one backend per connection). Nothing here logs: request headers may carry credentials.
 */
import { BackendPool } from './edge-proxy/backend-pool.js';
import { openHttpRoute } from './edge-proxy/http-route.js';
import { openTcpRoute } from './edge-proxy/tcp-route.js';
import type { ProxyBackend, ProxyRoute, RouteListener } from './edge-proxy/types.js';

export type { ProxyBackend, ProxyRoute } from './edge-proxy/types.js';

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** The host port is in use by something else (another program, or another route): choose another. */
export class HostPortTakenError extends Error {
  constructor(
    readonly hostPort: number,
    message: string,
  ) {
    super(message);
    this.name = 'HostPortTakenError';
  }
}

interface OpenRoute {
  route: ProxyRoute;
  /** Settles when the listener is up (or failed to start). */
  listening: Promise<RouteListener>;
}

/** The key of one public port: a service id and the container port it exposes. */
function portKey(serviceId: string, containerPort: number): string {
  return JSON.stringify([serviceId, containerPort]);
}

export class EdgeProxy {
  readonly tcpPorts = 'proxied' as const;
  private readonly bindHost: string;
  private readonly pools = new Map<string, { serviceId: string; pool: BackendPool }>();
  private readonly routes = new Map<string, OpenRoute>();
  private closed = false;

  constructor(options: { bindHost?: string } = {}) {
    this.bindHost = options.bindHost ?? '0.0.0.0';
  }

  /**
   * Listens on route.hostPort for the service's container port. Idempotent: the same route
   * again is a no-op; the same service port with another host port or protocol moves the
   * listener (its backends stay). Rejects with HostPortTakenError if the host port is taken
   * (by another route or another process).
   */
  async openRoute(route: ProxyRoute): Promise<void> {
    this.assertOpen();
    const key = portKey(route.serviceId, route.containerPort);
    const existing = this.routes.get(key);
    if (existing && existing.route.hostPort === route.hostPort && existing.route.protocol === route.protocol) {
      await existing.listening;
      return;
    }
    for (const [otherKey, other] of this.routes) {
      if (otherKey !== key && other.route.hostPort === route.hostPort) {
        throw new HostPortTakenError(route.hostPort, `host port ${route.hostPort} is already routed to another service port`);
      }
    }
    if (existing) {
      await this.closeListener(key);
      // Another call may have opened this service port meanwhile: decide again.
      return this.openRoute(route);
    }

    const pool = this.poolFor(route.serviceId, route.containerPort);
    const open = route.protocol === 'http' ? openHttpRoute : openTcpRoute;
    const entry: OpenRoute = { route: { ...route }, listening: open(pool, this.bindHost, route.hostPort) };
    this.routes.set(key, entry);
    try {
      await entry.listening;
    } catch (err) {
      if (this.routes.get(key) === entry) this.routes.delete(key);
      const reason = (err as NodeJS.ErrnoException).code ?? 'error';
      const message = `cannot listen on ${this.bindHost}:${route.hostPort} (${reason})`;
      throw reason === 'EADDRINUSE' ? new HostPortTakenError(route.hostPort, message) : new Error(message);
    }
  }

  /**
   * Stops listening on every public port of the service, ends their connections, and forgets
   * the service's backends (a route opened again later starts with none).
   */
  async closeRoutes(serviceId: string): Promise<void> {
    const keys = [...this.routes].filter(([, r]) => r.route.serviceId === serviceId).map(([key]) => key);
    await Promise.all(keys.map((key) => this.closeListener(key)));
    for (const [key, { serviceId: owner, pool }] of this.pools) {
      if (owner !== serviceId) continue;
      pool.dispose();
      this.pools.delete(key);
    }
  }

  /** Sends traffic of the service port to the backend too, from now on. Same id again: its address is updated. */
  addBackend(serviceId: string, containerPort: number, backend: ProxyBackend): void {
    this.assertOpen();
    this.poolFor(serviceId, containerPort).add(backend);
  }

  /**
   * Stops new traffic to the backend; resolves when its in-flight requests/connections ended
   * (or timeoutMs, default 10000), after which the backend is forgotten. Unknown backends
   * resolve at once.
   */
  async drainBackend(serviceId: string, containerPort: number, backendId: string, timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS): Promise<void> {
    const pool = this.pools.get(portKey(serviceId, containerPort))?.pool;
    if (pool) await pool.drain(backendId, timeoutMs);
  }

  /** The backends that take new traffic for the service port (draining ones are not listed). */
  backends(serviceId: string, containerPort: number): ProxyBackend[] {
    return this.pools.get(portKey(serviceId, containerPort))?.pool.list() ?? [];
  }

  /** Closes every listener and every connection; pending drains resolve. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.routes.keys()].map((key) => this.closeListener(key)));
    for (const { pool } of this.pools.values()) pool.dispose();
    this.pools.clear();
  }

  private poolFor(serviceId: string, containerPort: number): BackendPool {
    const key = portKey(serviceId, containerPort);
    let entry = this.pools.get(key);
    if (!entry) {
      entry = { serviceId, pool: new BackendPool() };
      this.pools.set(key, entry);
    }
    return entry.pool;
  }

  private async closeListener(key: string): Promise<void> {
    const entry = this.routes.get(key);
    if (!entry) return;
    this.routes.delete(key);
    const listener = await entry.listening.catch(() => undefined);
    await listener?.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the edge proxy is closed');
  }
}
