import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { isNotFound } from '../instance-ip.js';
import { ADMIN_SOCKET_IN_CONTAINER, caddyConfig } from './caddy-config.js';

/**
 * The edge container (docs/edge.md): Caddy from SLIPWAY_EDGE_IMAGE, restart policy
 * unless-stopped, ports 80 and 443 published on the configured host ports, joined to every
 * environment network. Its admin API listens on a unix socket in `runDir`, a host directory
 * (mode 0700) bind-mounted at /run/slipway-edge: only this machine's Slipway user reaches it.
 * Caddy keeps its last configuration in the /config volume and starts with it (`--resume`),
 * so it serves the same routes after a reboot even before Slipway is back.
 */

export interface EdgeContainerOptions {
  docker: Docker;
  image: string;
  name: string;
  httpPort: number;
  httpsPort: number;
  /** Host address the ports are published on; default all. */
  bindHost?: string;
  /** Absolute host directory for the admin socket and the first configuration. */
  runDir: string;
  /** PEM roots of a private ACME server, copied where the edge reads them (SLIPWAY_ACME_CA_ROOT). */
  acmeCaRoot?: string;
}

export const EDGE_LABEL = 'slipway.edge';
const MOUNT = '/run/slipway-edge';

export function adminSocketPath(runDir: string): string {
  return join(runDir, 'admin.sock');
}

/** Starts the edge container unless it already runs as configured; recreates it when its image or ports changed. */
export async function ensureEdgeContainer(o: EdgeContainerOptions): Promise<'running' | 'started' | 'created'> {
  await mkdir(o.runDir, { recursive: true, mode: 0o700 });
  if (o.acmeCaRoot !== undefined) await writeFile(join(o.runDir, 'acme-ca.pem'), o.acmeCaRoot);
  const existing = await inspect(o.docker, o.name);
  if (existing && matches(existing, o)) {
    if (existing.State.Running) return 'running';
    await startEdge(o, o.docker.getContainer(existing.Id));
    return 'started';
  }
  await ensureImage(o.docker, o.image);
  if (existing) await o.docker.getContainer(existing.Id).remove({ force: true });
  // Used only on the container's first start: later starts resume the configuration Caddy saved.
  await writeFile(join(o.runDir, 'caddy.json'), JSON.stringify(caddyConfig([])));
  const host = o.bindHost ?? '';
  const container = await o.docker.createContainer({
    name: o.name,
    Image: o.image,
    Cmd: ['caddy', 'run', '--resume', '--config', `${MOUNT}/caddy.json`],
    Labels: { [EDGE_LABEL]: 'true', 'slipway.edge.http-port': String(o.httpPort), 'slipway.edge.https-port': String(o.httpsPort) },
    ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
    HostConfig: {
      RestartPolicy: { Name: 'unless-stopped' },
      PortBindings: { '80/tcp': [{ HostIp: host, HostPort: String(o.httpPort) }], '443/tcp': [{ HostIp: host, HostPort: String(o.httpsPort) }] },
      Binds: [`${o.runDir}:${MOUNT}`, `${o.name}-data:/data`, `${o.name}-config:/config`],
    },
  });
  await startEdge(o, container);
  return 'created';
}

/** Starts the edge container; a failure (most often a host port another program holds) names the settings that choose them. */
async function startEdge(o: EdgeContainerOptions, container: Docker.Container): Promise<void> {
  try {
    await container.start();
  } catch (error) {
    throw new Error(
      `cannot start the edge container ${o.name} on host ports ${o.httpPort} and ${o.httpsPort} (SLIPWAY_EDGE_HTTP_PORT, SLIPWAY_EDGE_HTTPS_PORT): ${(error as Error).message}`,
    );
  }
}

function matches(info: Docker.ContainerInspectInfo, o: EdgeContainerOptions): boolean {
  const labels = info.Config.Labels ?? {};
  return (
    info.Config.Image === o.image &&
    labels['slipway.edge.http-port'] === String(o.httpPort) &&
    labels['slipway.edge.https-port'] === String(o.httpsPort) &&
    (info.HostConfig.Binds ?? []).includes(`${o.runDir}:${MOUNT}`)
  );
}

async function inspect(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

async function ensureImage(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  } catch (error) {
    throw new Error(`cannot pull the edge image ${image} (set SLIPWAY_EDGE_IMAGE to one this engine can pull): ${(error as Error).message}`);
  }
}

/** Connects the edge to an environment's network unless it is on it, so it reaches its instances. */
export async function joinNetwork(docker: Docker, name: string, network: string): Promise<void> {
  const info = await docker.getContainer(name).inspect();
  if (Object.keys(info.NetworkSettings.Networks ?? {}).includes(network)) return;
  await docker
    .getNetwork(network)
    .connect({ Container: info.Id })
    .catch((error: unknown) => {
      // 403/409: already connected (a concurrent call).
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 403 && status !== 409) throw error;
    });
}

export async function leaveNetwork(docker: Docker, name: string, network: string): Promise<void> {
  await docker
    .getNetwork(network)
    .disconnect({ Container: name, Force: true })
    .catch((error: unknown) => {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 403 && status !== 409 && status !== 500) throw error;
    });
}

export { ADMIN_SOCKET_IN_CONTAINER };
