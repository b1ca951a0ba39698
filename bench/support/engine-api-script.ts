import http from 'node:http';
import type Docker from 'dockerode';
import { APP_PORT } from '../../test/support/images.js';

/**
 * The floor a rollout is compared with: the same work a hand-written script does by driving
 * the Docker Engine API directly (dockerode, the client Slipway uses; no CLI process per step):
 * pull, create, start, poll HTTP readiness every `pollMs`, then stop and remove the old one.
 */

export const RAW_LABEL = 'slipway-bench.raw';

function healthy(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: ip, port: APP_PORT, path: '/healthz', agent: false, timeout: 1000 }, (response) => {
      response.resume();
      resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 400);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(false));
  });
}

/** docker pull, through the Engine API: resolves once the pull stream ended. */
export async function pull(docker: Docker, ref: string): Promise<void> {
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** Creates and starts a container like Slipway's (same limits, restart policy, log options), then polls until it serves /healthz. */
export async function startReady(docker: Docker, options: { network: string; ref: string; name: string; pollMs: number }): Promise<string> {
  const container = await docker.createContainer({
    name: options.name,
    Image: options.ref,
    Labels: { [RAW_LABEL]: String(process.pid) },
    HostConfig: {
      NetworkMode: options.network,
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      Init: true,
      NanoCpus: 500_000_000,
      Memory: 512 * 1024 * 1024,
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    },
  });
  await container.start();
  const info = await container.inspect();
  const ip = info.NetworkSettings.Networks[options.network]?.IPAddress;
  if (!ip) throw new Error(`raw container ${container.id.slice(0, 12)} has no address on ${options.network}`);
  const deadline = Date.now() + 60_000;
  while (!(await healthy(ip))) {
    if (Date.now() > deadline) throw new Error(`raw container ${container.id.slice(0, 12)} not ready within 60 s`);
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
  return container.id;
}

export async function stopAndRemove(docker: Docker, id: string): Promise<void> {
  const container = docker.getContainer(id);
  await container.stop({ t: 10 }).catch(() => undefined);
  await container.remove({ force: true, v: true });
}

/** One lineage of containers replaced one by one, as a rollout of one instance. */
export class ApiRollout {
  current: { id: string; version: string } | null = null;
  private seq = 0;

  constructor(
    private readonly docker: Docker,
    private readonly network: string,
    private readonly image: string,
    private readonly pollMs: number,
    private readonly tag: string,
  ) {}

  /** Pull, create, start, poll until ready, then stop and remove the old one. Returns ms. */
  async rollTo(version: string): Promise<number> {
    const ref = `${this.image}:${version}`;
    const start = performance.now();
    await pull(this.docker, ref);
    const id = await startReady(this.docker, { network: this.network, ref, name: `slipway-bench-raw-${this.tag}-${process.pid}-${this.seq++}`, pollMs: this.pollMs });
    if (this.current) await stopAndRemove(this.docker, this.current.id);
    const took = performance.now() - start;
    this.current = { id, version };
    return took;
  }
}

/** Removes every container and the network a raw script of this process left. */
export async function removeRaw(docker: Docker, network: string): Promise<void> {
  const leftovers = await docker.listContainers({ all: true, filters: { label: [`${RAW_LABEL}=${process.pid}`] } });
  await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  await docker.getNetwork(network).remove().catch(() => undefined);
}
