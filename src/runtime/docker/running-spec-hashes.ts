import type Docker from 'dockerode';
import { LABEL } from './names-and-labels.js';

/** The spec hash every running container of one service runs; null if none runs or they disagree. */
export function specHashOfRunning(containers: readonly Docker.ContainerInfo[]): string | null {
  const running = containers.filter((c) => c.State === 'running');
  const hashes = new Set(running.map((c) => c.Labels[LABEL.specHash] ?? ''));
  if (running.length === 0 || hashes.size !== 1) return null;
  const [hash] = hashes;
  return hash ? hash : null;
}

/**
 * specHashOfRunning for every service of the environment, from one list of its containers (a
 * redeploy of 50 services asks the Docker Engine once, not 50 times). Services without a
 * container are absent.
 */
export async function environmentSpecHashes(docker: Docker, environmentId: string): Promise<Map<string, string | null>> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.managed}=true`, `${LABEL.environment}=${environmentId}`] } });
  const byService = new Map<string, Docker.ContainerInfo[]>();
  for (const container of containers) {
    const serviceId = container.Labels[LABEL.service];
    if (serviceId === undefined) continue;
    const list = byService.get(serviceId);
    if (list) list.push(container);
    else byService.set(serviceId, [container]);
  }
  return new Map([...byService].map(([serviceId, list]) => [serviceId, specHashOfRunning(list)]));
}
