import type { Endpoint } from '../../src/runtime/runtime.js';
import type { Edge, EdgeRoute } from '../../src/runtime/docker/edge.js';

/**
 * The edge of a benchmark whose services have no public port (their ports are private, or they
 * are plain labelled containers): the Docker runtime needs one, and a Caddy container would
 * only add a process sharing the cores. A public http port is refused, so a benchmark that
 * grows one fails loudly rather than measuring a service nobody can reach.
 */
export class NoPublicPortsEdge implements Edge {
  async openRoute(route: EdgeRoute): Promise<void> {
    throw new Error(`this benchmark runs no edge: port ${route.containerPort} of service ${route.serviceId} is public`);
  }

  async closeRoutes(): Promise<void> {}

  async closeRoute(): Promise<void> {}

  addBackend(): void {}

  async drainBackend(): Promise<void> {}

  routedPorts(): number[] {
    return [];
  }

  async endpointsOf(): Promise<Endpoint[]> {
    return [];
  }

  async adopted(): Promise<void> {}

  async leaveNetwork(): Promise<void> {}

  async close(): Promise<void> {}
}
