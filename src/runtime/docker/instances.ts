import type Docker from 'dockerode';
import type { Edge } from './edge.js';
import { isNotFound } from './instance-ip.js';
import type { InstanceMonitor } from './instance-monitor.js';
import { LABEL, readInstanceLabels, serviceFilter, type InstanceLabels } from './names-and-labels.js';

/** Listing, admitting and retiring one service's instances: the moves a rollout is made of. */

export interface RuntimeParts {
  docker: Docker;
  edge: Edge;
  monitor: InstanceMonitor;
  /** How long a retired instance's in-flight requests may take before it is removed anyway. */
  drainTimeoutMs: number;
  /** Seconds between SIGTERM and SIGKILL when an instance is removed. */
  stopTimeoutSeconds: number;
}

/** Every container of the service, running or not, ordered by instance index then age. */
export async function listInstances(docker: Docker, serviceId: string): Promise<Docker.ContainerInfo[]> {
  const containers = await docker.listContainers({ all: true, filters: serviceFilter(serviceId) });
  return containers.sort(byInstanceOrder);
}

/** Instance index, then age: the order instances are listed in. */
export function byInstanceOrder(a: Docker.ContainerInfo, b: Docker.ContainerInfo): number {
  return indexOf(a) - indexOf(b) || a.Created - b.Created;
}

function indexOf(info: Docker.ContainerInfo): number {
  return Number.parseInt(info.Labels[LABEL.instance] ?? '0', 10) || 0;
}

/** Inspects, treating a container that vanished meanwhile as absent. */
export async function inspectOrNull(docker: Docker, id: string): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(id).inspect();
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

export function labelsOf(info: Docker.ContainerInspectInfo): InstanceLabels {
  const labels = readInstanceLabels(info.Config.Labels);
  if (!labels) throw new Error(`container ${info.Id.slice(0, 12)} is not managed by Slipway`);
  return labels;
}

/** Creates and starts a container; a container that cannot start is removed again. */
export async function createAndStart(docker: Docker, options: Docker.ContainerCreateOptions): Promise<string> {
  const container = await docker.createContainer(options);
  try {
    await container.start();
  } catch (error) {
    await container.remove({ force: true, v: true }).catch(() => undefined);
    throw error;
  }
  return container.id;
}

/** Hands a ready instance to the monitor, which puts it into the edge (see DockerRuntime.onReadyChange). */
export function admit(parts: RuntimeParts, info: Docker.ContainerInspectInfo, ip: string | null): void {
  parts.monitor.track(info.Id, labelsOf(info), { ready: true, ip, startedAt: info.State.StartedAt });
}

/**
 * Takes an instance out: no more readiness tracking, drained from every public http port (in-flight
 * requests finish), then stopped (SIGTERM, then SIGKILL after stopTimeoutSeconds) and removed.
 * Named volumes stay; anonymous ones go with the container.
 */
export async function retire(parts: RuntimeParts, id: string, labels: InstanceLabels | null): Promise<void> {
  parts.monitor.forget(id);
  const ports = (labels?.ports ?? []).filter((p) => p.public && p.protocol === 'http');
  if (labels) {
    await Promise.all(ports.map((p) => parts.edge.drainBackend(labels.serviceId, p.containerPort, id, parts.drainTimeoutMs)));
  }
  await removeContainer(parts, id);
}

export async function removeContainer(parts: Pick<RuntimeParts, 'docker' | 'stopTimeoutSeconds'>, id: string): Promise<void> {
  const container = parts.docker.getContainer(id);
  // stop answers 304 when already stopped and 404 when gone: both fine.
  await container.stop({ t: parts.stopTimeoutSeconds }).catch(() => undefined);
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    // 409: removal already in progress (another path removes it); 404: gone.
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw error;
  }
}
