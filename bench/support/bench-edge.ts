import Docker from 'dockerode';
import { testImages } from '../../test/support/images.js';
import { removeEdgeContainer } from './docker-cleanup.js';
import { freePort } from './free-port.js';

/**
 * The Caddy edge of a Slipway server a benchmark starts (docs/edge.md): the test Caddy image
 * (nothing can be pulled here) in a container of its own name, on two free host ports, so it
 * never touches another run's edge. `env` goes into the server's environment; remove() takes
 * the container and its volumes away once the server stopped (the edge outlives Slipway on
 * purpose, so nothing else does).
 */
export interface BenchEdge {
  name: string;
  httpPort: number;
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function benchEdge(name: string): Promise<BenchEdge> {
  const httpPort = await freePort();
  const httpsPort = await freePort();
  return {
    name,
    httpPort,
    env: {
      SLIPWAY_EDGE_IMAGE: testImages.caddy.ref,
      SLIPWAY_EDGE_CONTAINER: name,
      SLIPWAY_EDGE_HTTP_PORT: String(httpPort),
      SLIPWAY_EDGE_HTTPS_PORT: String(httpsPort),
    },
    remove: () => removeEdgeContainer(new Docker(), name),
  };
}
