import type Docker from 'dockerode';
import { networkName } from './names-and-labels.js';

/** The instance's address on its environment network (where probes and the edge reach it). */
export function instanceIp(info: Docker.ContainerInspectInfo, environmentId: string): string | null {
  const networks = info.NetworkSettings.Networks ?? {};
  const ip = networks[networkName(environmentId)]?.IPAddress ?? Object.values(networks)[0]?.IPAddress;
  return ip ? ip : null;
}

/** True for dockerode's "no such container/network/volume" errors. */
export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}
