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
  await Promise.all(networks.map((n) => removeNetwork(n.Id)));
}

/** A network still joined by a container (an edge the test did not remove yet) cannot go: it is left first. */
async function removeNetwork(id: string): Promise<void> {
  const network = docker.getNetwork(id);
  const info = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
  for (const container of Object.keys(info?.Containers ?? {})) await network.disconnect({ Container: container, Force: true }).catch(() => undefined);
  await network.remove().catch(() => undefined);
}

/** Removes every container, volume and network of the given environments (label slipway.environment). */
export async function cleanupEnvironments(environmentIds: Iterable<string>): Promise<void> {
  for (const id of environmentIds) await removeLabelled([`slipway.environment=${id}`]);
}

/** Removes every container, volume and network of the given projects (label slipway.project). */
export async function cleanupProjects(projectIds: Iterable<string>): Promise<void> {
  for (const id of projectIds) await removeLabelled([`slipway.project=${id}`]);
}
