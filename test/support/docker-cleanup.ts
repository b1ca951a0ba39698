import Docker from 'dockerode';

const docker = new Docker();

/** Removes every container, volume and network carrying all these labels (besides slipway.managed). */
async function removeLabelled(labels: string[]): Promise<void> {
  const filters = { label: ['slipway.managed=true', ...labels] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const { Volumes } = await docker.listVolumes({ filters });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined)));
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
}

/** Removes every container, volume and network of the given environments (label slipway.environment). */
export async function cleanupEnvironments(environmentIds: Iterable<string>): Promise<void> {
  for (const id of environmentIds) await removeLabelled([`slipway.environment=${id}`]);
}

/** Removes every container, volume and network of the given projects (label slipway.project). */
export async function cleanupProjects(projectIds: Iterable<string>): Promise<void> {
  for (const id of projectIds) await removeLabelled([`slipway.project=${id}`]);
}
