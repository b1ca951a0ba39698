import type Docker from 'dockerode';
import type { RolloutSpec, ServiceTarget } from '../runtime.js';
import { LABEL, containerName, networkName, serviceLabels, volumeName } from './names-and-labels.js';

/**
 * The Docker create options of instance `index` of a service running `spec`, and the options
 * that recreate a container exactly as an earlier inspect saw it (for rollback).
 */

export function containerCreateOptions(
  target: ServiceTarget,
  spec: RolloutSpec,
  index: number,
  placement: { edgeSlot?: string; publishedPorts?: ReadonlyMap<number, number> } = {},
): Docker.ContainerCreateOptions {
  const { edgeSlot, publishedPorts = new Map<number, number>() } = placement;
  const network = networkName(target.environmentId);
  const labels: Record<string, string> = {
    ...serviceLabels(target),
    [LABEL.instance]: String(index),
    [LABEL.specHash]: spec.specHash,
    [LABEL.version]: spec.version,
    [LABEL.ports]: JSON.stringify(spec.ports),
    [LABEL.healthchecks]: JSON.stringify(spec.healthchecks),
    [LABEL.startTimeout]: String(startTimeoutSeconds(spec)),
    ...(edgeSlot ? { [LABEL.edgeSlot]: edgeSlot } : {}),
  };
  const exposed: Record<string, object> = {};
  for (const port of spec.ports) exposed[`${port.containerPort}/tcp`] = {};
  // Public tcp ports Docker publishes itself (docs/edge.md#tcp-ports): container port → host port.
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const [containerPort, hostPort] of publishedPorts) bindings[`${containerPort}/tcp`] = [{ HostIp: '', HostPort: String(hostPort) }];
  return {
    name: containerName(target, index),
    Image: spec.image,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    ...(spec.command !== undefined && spec.command.length > 0 ? { Cmd: spec.command } : {}),
    Labels: labels,
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: network,
      ...(publishedPorts.size > 0 ? { PortBindings: bindings } : {}),
      // The engine brings a crashed instance back; observe() reports the restarts.
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      // An init process as PID 1 (docker run --init): the app gets SIGTERM on stop and its
      // zombies are reaped, even when it was not written to be PID 1; otherwise a stop waits
      // out the whole timeout before the kill.
      Init: true,
      ...(spec.cpu > 0 ? { NanoCpus: Math.round(spec.cpu * 1_000_000) } : {}),
      ...(spec.memoryMb > 0 ? { Memory: spec.memoryMb * 1024 * 1024 } : {}),
      Mounts: spec.storage.map((entry, n) => ({ Type: 'volume' as const, Source: volumeName(target.serviceId, n), Target: entry.mountPath })),
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
    NetworkingConfig: {
      EndpointsConfig: { [network]: { Aliases: edgeSlot ? [target.serviceName, edgeSlot] : [target.serviceName] } },
    },
  };
}

/** Seconds an instance has to become ready; 300 (the ServiceSettings default) when unset. */
export function startTimeoutSeconds(spec: RolloutSpec): number {
  return spec.startTimeoutSeconds > 0 ? spec.startTimeoutSeconds : 300;
}

/**
 * Create options that give back the container an inspect described: same name, image (by
 * id, so a moved tag changes nothing), command, env, labels, host config and network aliases.
 */
export function recreateOptions(info: Docker.ContainerInspectInfo): Docker.ContainerCreateOptions {
  const shortId = info.Id.slice(0, 12);
  const endpoints: Record<string, { Aliases?: string[] }> = {};
  for (const [name, net] of Object.entries(info.NetworkSettings.Networks ?? {})) {
    // Docker adds the container's short id as an alias by itself.
    const aliases = (net.Aliases ?? []).filter((alias: string) => alias !== shortId && alias !== info.Id);
    endpoints[name] = { Aliases: aliases };
  }
  const config = info.Config;
  return {
    name: info.Name.replace(/^\//, ''),
    Image: info.Image,
    Env: config.Env ?? [],
    Cmd: config.Cmd ?? undefined,
    Entrypoint: config.Entrypoint ?? undefined,
    WorkingDir: config.WorkingDir || undefined,
    User: config.User || undefined,
    Labels: config.Labels ?? {},
    ExposedPorts: config.ExposedPorts ?? {},
    // Not in @types/dockerode's Config type, but in the Engine API's.
    StopSignal: (config as { StopSignal?: string }).StopSignal,
    HostConfig: info.HostConfig as Docker.HostConfig,
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
}
