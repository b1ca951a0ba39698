import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadyFiles } from '../../src/runtime/docker/caddy/ready-files.js';
import { CaddyEdge } from '../../src/runtime/docker/caddy-edge.js';
import { edgeSlots } from '../../src/runtime/docker/names-and-labels.js';
import type { Endpoint } from '../../src/runtime/runtime.js';
import { EdgeClient } from '../support/edge-client.js';
import { APP_PORT, testImages } from '../support/images.js';
import { removeTestEdge } from '../support/test-edge.js';
import { docker, runId } from './docker-runtime-fixture.js';

/**
 * A Caddy edge of its own for a Docker runtime integration test: the test Caddy image in a
 * container named after this run, on host ports of its own (127.0.0.1 only), every service
 * served under `<serviceId>.localhost`. remove() takes away the container, its volumes and its
 * run directory; the services' networks can then be removed (the edge is no longer on them).
 */
export interface TestEdge {
  edge: CaddyEdge;
  /** The edge's http port on 127.0.0.1. */
  httpPort: number;
  runDir: string;
  /** The host name the edge serves the service under. */
  hostOf(serviceId: string): string;
  /** GET through the edge for an endpoint runtime.endpoints() gave (its host name, on 127.0.0.1); the body, or throws. */
  get(endpoint: Endpoint, path?: string): Promise<string>;
  /** GET through the edge by host name; status and body. */
  request(host: string, path?: string): Promise<{ status: number; body: string }>;
  client: EdgeClient;
  /**
   * How many of the service's instances Slipway has marked ready for the edge (its upstreams
   * Caddy may send traffic to): the edge's view of readiness gating and draining.
   */
  readyUpstreams(serviceId: string, containerPort?: number): Promise<number>;
  /** A new CaddyEdge client on the same container and run directory (Slipway restarted); the old one is closed first. */
  reconnect(): Promise<CaddyEdge>;
  remove(): Promise<void>;
}

/** Starts the edge container (or finds it) and waits until the edge is up. `httpPort` and the next port are used. */
export async function startTestEdge(httpPort: number, suffix = 'edge'): Promise<TestEdge> {
  const name = `${runId}-${suffix}`;
  const runDir = await mkdtemp(join(tmpdir(), 'sw-test-edge-'));
  const hostOf = (serviceId: string): string => `${serviceId}.localhost`.toLowerCase();
  const create = (): CaddyEdge =>
    new CaddyEdge({
      docker,
      image: testImages.caddy.ref,
      name,
      httpPort,
      httpsPort: httpPort + 1,
      bindHost: '127.0.0.1',
      runDir,
      hostsOf: async (serviceId) => [hostOf(serviceId)],
      retryMs: 500,
    });
  const start = async (edge: CaddyEdge): Promise<CaddyEdge> => {
    await edge.start();
    const status = edge.status();
    if (!status.available) throw new Error(`the test edge did not come up: ${status.message}`);
    return edge;
  };
  const client = new EdgeClient(httpPort);
  const ready = new ReadyFiles(runDir);
  const handle: TestEdge = {
    edge: await start(create()),
    httpPort,
    runDir,
    hostOf,
    client,
    request: (host, path = '/') => client.get(host, path),
    async get(endpoint, path = '/') {
      if (!endpoint.host) throw new Error(`not an endpoint served by the edge: ${endpoint.url}`);
      const { status, body } = await client.get(endpoint.host, path);
      if (status !== 200) throw new Error(`${endpoint.host}${path} answered ${status}`);
      return body;
    },
    async readyUpstreams(serviceId, containerPort = APP_PORT) {
      const slots = new Set(edgeSlots(serviceId, 64).map((slot) => `${slot}:${containerPort}`));
      return [...(await ready.list())].filter((dial) => slots.has(dial)).length;
    },
    async reconnect() {
      await handle.edge.close();
      handle.edge = await start(create());
      return handle.edge;
    },
    async remove() {
      await handle.edge.close();
      client.close();
      await removeTestEdge(name);
      await rm(runDir, { recursive: true, force: true });
    },
  };
  return handle;
}
