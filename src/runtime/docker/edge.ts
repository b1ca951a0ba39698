import type { Endpoint } from '../runtime.js';

/** A ready instance behind a public http port: where the edge sends traffic. */
export interface EdgeBackend {
  /** Unique among the backends of one public port (the container id). */
  id: string;
  host: string;
  port: number;
  /** A stable name the instance also answers to on its network; the edge dials it by that name when set. */
  slot?: string;
}

/** A public http port of a service, served by the edge under the port's host names. */
export interface EdgeRoute {
  serviceId: string;
  containerPort: number;
  /** The Docker network its instances are on (the edge joins it). */
  network?: string;
  /** How many instances the service runs (unknown when only picking up what runs). */
  instances?: number;
}

/**
 * What the Docker runtime asks of its edge (docs/edge.md): public http routes per service port,
 * and which ready instances are behind them. Implemented by CaddyEdge (Caddy in its own
 * container, outliving the Slipway process). Public tcp ports never pass through the edge:
 * Docker publishes them on the instance itself (one container per host port, so a service with
 * one is replaced stop-first and runs one instance).
 */
export interface Edge {
  /** Opens (or updates) the public route of a service's http port. Idempotent. */
  openRoute(route: EdgeRoute): Promise<void>;
  /** Removes every public route of the service and forgets its backends. */
  closeRoutes(serviceId: string): Promise<void>;
  /** Removes the route of one port (an http port that became a tcp port Docker publishes); nothing when it has none. */
  closeRoute(serviceId: string, containerPort: number): Promise<void>;
  /** Sends the service port's traffic to this ready instance too, from now on. */
  addBackend(serviceId: string, containerPort: number, backend: EdgeBackend): void;
  /** Takes the instance out of the route; resolves once its in-flight requests ended (or timeoutMs). */
  drainBackend(serviceId: string, containerPort: number, backendId: string, timeoutMs?: number): Promise<void>;
  /** The service's http ports the edge holds a route for (a stopped service's too), ascending. */
  routedPorts(serviceId: string): number[];
  /** The addresses of a public http port: one per host name it is served under. */
  endpointsOf(serviceId: string, containerPort: number): Promise<Endpoint[]>;
  /** The runtime picked up every running instance after a start: backends nobody claimed go. */
  adopted(): Promise<void>;
  /** An environment's network is about to be removed: the edge leaves it. */
  leaveNetwork(network: string): Promise<void>;
  close(): Promise<void>;
}
