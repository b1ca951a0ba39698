import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import type { LogLevel } from '../../src/domain/requests.js';
import { specHash, type DesiredSpec } from '../../src/domain/index.js';
import type { OperationContext, RolloutSpec, ServiceTarget } from '../../src/runtime/runtime.js';
import type { HostPortAllocator } from '../../src/runtime/docker/docker-runtime.js';
import { APP_PORT } from '../support/images.js';

/**
 * Shared pieces of the Docker runtime integration tests. Every resource a test creates carries
 * the label slipway.project=<this run's project id>, so cleanup() finds all of it (also after
 * a failed test or a killed run: the ids start with "sw-test-").
 */

export const docker = new Docker();
export const runId = `sw-test-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;

export function target(serviceName: string, environment = 'env'): ServiceTarget {
  return {
    projectId: runId,
    projectName: 'rt',
    environmentId: `${runId}-${environment}`,
    environmentName: environment,
    serviceId: `${runId}-${serviceName}`,
    serviceName,
    serviceType: 'container',
  };
}

/**
 * The services of this run (target() names them after runId): other runs share the Docker
 * Engine, and a runtime's start() adopts what it owns (routes it, joins its networks).
 */
export async function ownedByThisRun(serviceId: string): Promise<boolean> {
  return serviceId.startsWith(`${runId}-`);
}

/** A host-port allocator like the store's (lowest free port of the range), in memory. */
export function memoryHostPorts(): HostPortAllocator {
  const rows: Array<{ serviceId: string; containerPort: number; hostPort: number }> = [];
  return {
    async allocateHostPort(serviceId, containerPort, range) {
      const existing = rows.find((r) => r.serviceId === serviceId && r.containerPort === containerPort);
      if (existing) return existing.hostPort;
      for (let port = range.from; port <= range.to; port++) {
        if (!rows.some((r) => r.hostPort === port)) {
          rows.push({ serviceId, containerPort, hostPort: port });
          return port;
        }
      }
      throw new Error('no free host port');
    },
    async reallocateHostPort(serviceId, containerPort, range, unavailable) {
      for (let i = rows.length - 1; i >= 0; i--) {
        const r = rows[i]!;
        if (r.serviceId === serviceId && r.containerPort === containerPort && unavailable.includes(r.hostPort)) rows.splice(i, 1);
      }
      const existing = rows.find((r) => r.serviceId === serviceId && r.containerPort === containerPort);
      if (existing) return existing.hostPort;
      for (let port = range.from; port <= range.to; port++) {
        if (!unavailable.includes(port) && !rows.some((r) => r.hostPort === port)) {
          rows.push({ serviceId, containerPort, hostPort: port });
          return port;
        }
      }
      throw new Error('no free host port');
    },
    async listHostPorts(serviceId) {
      return rows.filter((r) => serviceId === undefined || r.serviceId === serviceId).map((r) => ({ ...r }));
    },
    async releaseHostPorts(serviceId) {
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.serviceId === serviceId) rows.splice(i, 1);
    },
  };
}

/** The host ports one test file owns: 50 for its services, then 10 for its edges. */
export interface PortBlock {
  range: { from: number; to: number };
  /** The first of the file's 10 edge ports (http on it, https on the next). */
  edgePort: number;
}

/**
 * Each file that uses this fixture owns the block of 100 host ports numbered `blockIndex`
 * from 26000, so two files never collide. The blocks lie below the kernel's ephemeral ports
 * (32768 and up here), where an outgoing connection of any process could hold a port at the
 * moment Docker binds it, and above the e2e files' blocks (21000–25599, e2e/helpers.ts).
 */
export function portBlock(blockIndex: number): PortBlock {
  const from = 26000 + blockIndex * 100;
  return { range: { from, to: from + 49 }, edgePort: from + 50 };
}

export interface TestContext extends OperationContext {
  lines: Array<{ level: LogLevel; message: string }>;
  controller: AbortController;
}

export function context(onLog?: (message: string) => void): TestContext {
  const controller = new AbortController();
  const lines: TestContext['lines'] = [];
  return {
    signal: controller.signal,
    controller,
    lines,
    log(level, message) {
      lines.push({ level, message });
      if (process.env.SLIPWAY_TEST_VERBOSE) console.log(`[${level}] ${message}`);
      onLog?.(message);
    },
  };
}

export const httpReadiness = { type: 'http' as const, path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };

export function rolloutSpec(image: string, version: string, overrides: Partial<DesiredSpec> & { startTimeoutSeconds?: number } = {}): RolloutSpec {
  const { startTimeoutSeconds = 20, ...rest } = overrides;
  const desired: DesiredSpec = {
    image,
    instances: 1,
    cpu: 250,
    memoryMb: 64,
    env: {},
    ports: [{ containerPort: APP_PORT, public: true, protocol: 'http' }],
    healthchecks: { readiness: httpReadiness },
    storage: [],
    ...rest,
  };
  return { ...desired, specHash: specHash(desired), version, startTimeoutSeconds };
}

/** The service's containers (running or not) as Docker lists them. */
export async function containersOf(serviceId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`slipway.service=${serviceId}`] } });
}

export async function versionsOf(serviceId: string): Promise<string[]> {
  return (await containersOf(serviceId)).map((c) => c.Labels['slipway.version'] ?? '?').sort();
}

/** GET of a port Docker publishes on 127.0.0.1; the body, or throws. */
export async function get(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

/** Polls until the condition holds (returns its value) or the deadline passes. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Removes every container, volume and network of this run. */
export async function cleanup(): Promise<void> {
  const label = { label: [`slipway.project=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters: label });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const { Volumes } = await docker.listVolumes({ filters: label });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
  const networks = await docker.listNetworks({ filters: label });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
}
