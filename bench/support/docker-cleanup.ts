import type Docker from 'dockerode';
import { LABEL, networkName } from '../../src/runtime/docker/names-and-labels.js';

/**
 * Removes what a benchmark left on the Docker Engine for one environment: its containers
 * (by Slipway's environment label), its volumes and its network. Only that environment's:
 * the engine is shared with other runs.
 */
export async function removeEnvironmentResources(docker: Docker, environmentId: string): Promise<number> {
  const filters = { label: [`${LABEL.environment}=${environmentId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const { Volumes } = await docker.listVolumes({ filters });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
  await docker
    .getNetwork(networkName(environmentId))
    .remove()
    .catch(() => undefined);
  return containers.length;
}
