import type { Endpoint } from '../runtime.js';
import type { ProxyBackend, ProxyRoute } from './edge-proxy/types.js';

/**
 * What the Docker runtime asks of its edge (docs/edge.md): public routes per service port, and
 * which ready instances are behind them. Two implementations: CaddyEdge (Caddy in its own
 * container, outliving the Slipway process) and the in-process EdgeProxy.
 */
export interface Edge {
  /**
   * Who carries tcp ports: this edge on their host ports ('proxied'), or Docker, which publishes
   * them on the instance itself ('published': one container per host port, so a service with
   * one is replaced stop-first and runs one instance).
   */
  readonly tcpPorts: 'proxied' | 'published';
  /** Opens (or updates) the public route of a service port. Idempotent. */
  openRoute(route: ProxyRoute): Promise<void>;
  /** Removes every public route of the service and forgets its backends. */
  closeRoutes(serviceId: string): Promise<void>;
  /** Removes the route of one port (an http port that became a tcp port Docker publishes); nothing when it has none. */
  closeRoute?(serviceId: string, containerPort: number): Promise<void>;
  /** Sends the service port's traffic to this ready instance too, from now on. */
  addBackend(serviceId: string, containerPort: number, backend: ProxyBackend): void;
  /** Takes the instance out of the route; resolves once its in-flight requests ended (or timeoutMs). */
  drainBackend(serviceId: string, containerPort: number, backendId: string, timeoutMs?: number): Promise<void>;
  /**
   * The addresses of a public port when the edge serves it by host name (Caddy: http ports);
   * undefined when it is served on its host port.
   */
  endpointsOf?(serviceId: string, containerPort: number): Promise<Endpoint[]> | undefined;
  /** The runtime picked up every running instance after a start: backends nobody claimed go. */
  adopted?(): Promise<void>;
  /** An environment's network is about to be removed: the edge leaves it. */
  leaveNetwork?(network: string): Promise<void>;
  close(): Promise<void>;
}
