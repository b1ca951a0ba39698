import http from 'node:http';
import net from 'node:net';
import type Docker from 'dockerode';
import type { Probe } from '../../domain/model.js';

/**
 * One check of a readiness or liveness probe against one instance, run by Slipway itself (the
 * host reaches containers by their IP on the environment's bridge network). A probe never
 * throws: it answers whether the instance passed.
 */
export async function runProbe(docker: Docker, probe: Probe, target: { containerId: string; ip: string | null }): Promise<boolean> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds) * 1000;
  switch (probe.type) {
    case 'http':
      return target.ip ? httpProbe(target.ip, probe.port, probe.path, timeoutMs) : false;
    case 'tcp':
      return target.ip ? tcpProbe(target.ip, probe.port, timeoutMs) : false;
    case 'exec':
      return execProbe(docker, target.containerId, probe.command, timeoutMs);
  }
}

/** GET answering 2xx or 3xx. No connection reuse: each probe is a fresh connection, as a client's would be. */
function httpProbe(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(
      { host, port, path: path.startsWith('/') ? path : `/${path}`, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'slipway-probe' } },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve(status >= 200 && status < 400);
      },
    );
    request.on('timeout', () => request.destroy(new Error('probe timed out')));
    request.on('error', () => resolve(false));
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** `docker exec` of the command; passes on exit code 0 within the timeout. */
async function execProbe(docker: Docker, containerId: string, command: string[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const exec = await docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const finished = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', resolve);
      stream.resume();
    });
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    if ((await Promise.race([finished, timedOut])) === 'timeout') {
      stream.destroy();
      return false;
    }
    const info = await exec.inspect();
    return info.ExitCode === 0;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
