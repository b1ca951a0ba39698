import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { freePort } from './free-port.js';
import { testImages } from './images.js';

/**
 * The Caddy edge of a test or benchmark server: the test Caddy image (nothing can be pulled
 * here) in a container of its own, on host ports of its own, so two servers never share routes.
 * The edge outlives its server by design (docs/edge.md), so its owner removes it (removeTestEdge).
 */
export interface TestEdge {
  container: string;
  httpPort: number;
  httpsPort: number;
}

const docker = new Docker();

/** A new edge identity: a container name (default unique) and two free host ports. */
export async function newTestEdge(container = `slipway-test-edge-${randomBytes(4).toString('hex')}`): Promise<TestEdge> {
  return { container, httpPort: await freePort(), httpsPort: await freePort() };
}

/** The server env that runs this edge. */
export function testEdgeEnv(edge: TestEdge): Record<string, string> {
  return {
    SLIPWAY_EDGE_IMAGE: testImages.caddy.ref,
    SLIPWAY_EDGE_CONTAINER: edge.container,
    SLIPWAY_EDGE_HTTP_PORT: String(edge.httpPort),
    SLIPWAY_EDGE_HTTPS_PORT: String(edge.httpsPort),
  };
}

/** Removes a test edge container and its volumes; nothing when it is gone already. */
export async function removeTestEdge(container: string): Promise<void> {
  await docker.getContainer(container).remove({ force: true }).catch(() => undefined);
  for (const volume of [`${container}-data`, `${container}-config`]) await docker.getVolume(volume).remove().catch(() => undefined);
}
