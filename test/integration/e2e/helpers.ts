import Docker from 'dockerode';
export { cleanupEnvironments } from '../../support/docker-cleanup.js';
import { randomBytes } from 'node:crypto';
import { APP_PORT, testImages } from '../../support/images.js';
import { SlipwayApi } from '../../support/api-client.js';
import { SlipwayProcess, type SlipwayProcessOptions } from '../../support/slipway-process.js';
import { SseClient } from '../../support/sse-client.js';
import { getApp } from '../../support/app-client.js';

/**
 * Shared pieces of the end-to-end tests: a Slipway process with its API and event stream,
 * Docker inspection of what it created, and the cleanup of every container, network and
 * volume of the environments a test made (label slipway.managed=true + the environment id),
 * also when the test failed.
 */

export const docker = new Docker();

/** Each e2e file owns one block of 100 edge ports (by its index), so files never collide. */
export function edgePorts(fileIndex: number): string {
  const from = 21000 + fileIndex * 100;
  return `${from}-${from + 99}`;
}

/** A name unique to this run (DNS label). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

export interface Slipway {
  server: SlipwayProcess;
  api: SlipwayApi;
  events: SseClient;
}

export async function startSlipway(options: SlipwayProcessOptions): Promise<Slipway> {
  const server = await SlipwayProcess.start(options);
  return connect(server);
}

/** The API client and an open event stream of a running server. */
export async function connect(server: SlipwayProcess): Promise<Slipway> {
  const api = new SlipwayApi(server.url, server.token);
  const events = await SseClient.connect(`${server.url}/api/v1/events`, server.token);
  return { server, api, events };
}

/** A `container` service body: the HTTP test app with http readiness on /healthz. */
export function appService(name: string, overrides: { tag?: string; image?: string; instances?: number; public?: boolean; settings?: Record<string, unknown> } = {}) {
  return {
    name,
    type: 'container',
    source: { image: { name: overrides.image ?? testImages.appV1.name, tag: overrides.tag ?? 'v1' } },
    settings: {
      instances: overrides.instances ?? 1,
      memoryMb: 32,
      cpu: 100,
      ports: [{ containerPort: APP_PORT, public: overrides.public ?? true, protocol: 'http' }],
      healthchecks: {
        readiness: { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 },
      },
      startTimeoutSeconds: 30,
      ...(overrides.settings ?? {}),
    },
  };
}

/** Running containers of a service, as Docker lists them. */
export async function runningContainers(serviceId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ filters: { label: ['slipway.managed=true', `slipway.service=${serviceId}`] } });
}

/** Every container of a service, whatever its state. */
export async function allContainers(serviceId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: ['slipway.managed=true', `slipway.service=${serviceId}`] } });
}

/** id → State.StartedAt of every container of the service. */
export async function startTimes(serviceId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of await allContainers(serviceId)) {
    const info = await docker.getContainer(c.Id).inspect();
    out.set(c.Id, info.State.StartedAt);
  }
  return out;
}

/** GET a deployed app's URL (test/support/app-client.ts); the body when 2xx, else throws. */
export async function httpGet(url: string, timeoutMs = 5000): Promise<string> {
  const { status, body } = await getApp(url, timeoutMs);
  if (status < 200 || status > 299) throw new Error(`${url} answered ${status}: ${body.slice(0, 200)}`);
  return body;
}

/** Polls until check returns a value other than undefined/false, or throws after the deadline with the last error. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The endpoint URL of the service's public port (waits until the service lists one). */
export async function endpointOf(api: SlipwayApi, serviceId: string): Promise<string> {
  return eventually(`an endpoint of service ${serviceId}`, async () => (await api.service(serviceId)).endpoints[0]?.url, 20_000);
}

/** Tags an image already in the test registry under another tag of another repository, and pushes it. */
export async function tagAndPush(source: string, repository: string, tag: string): Promise<void> {
  const image = docker.getImage(source);
  try {
    await image.inspect();
  } catch {
    await followProgress(await docker.pull(source));
  }
  await image.tag({ repo: repository, tag });
  const pushed = docker.getImage(`${repository}:${tag}`);
  // Docker insists on an X-Registry-Auth header, even for a registry without auth.
  const stream = (await pushed.push({ authconfig: {} })) as NodeJS.ReadableStream;
  await followProgress(stream);
}

function followProgress(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
      if (error) return reject(error);
      const failed = output.find((o) => o.error);
      if (failed) return reject(new Error(failed.error));
      resolve();
    });
  });
}
