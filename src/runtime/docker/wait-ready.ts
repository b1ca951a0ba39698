import type Docker from 'dockerode';
import type { Probe } from '../../domain/model.js';
import { RolloutFailedError } from '../runtime.js';
import { instanceIp } from './instance-ip.js';
import { NO_PROBE_READY_AFTER_MS } from './instance-monitor.js';
import { lastExitCode } from './last-exit-code.js';
import { runProbe } from './probes.js';
import { sleep, throwIfAborted } from './wait.js';

const POLL_MS = 250;
/**
 * While an instance starts, its readiness probe runs at least every STARTUP_PROBE_MS, whatever
 * its periodSeconds: a rollout waits for the first success, and a fast app should not wait out
 * a whole period for it. The first probes come sooner still (FIRST_STARTUP_PROBE_MS after the
 * previous one, doubling up to STARTUP_PROBE_MS): an app that listens within a few tens of ms
 * of its start is found ready then rather than up to 250 ms later, and a slow one costs two
 * extra probes in its first second. Only a passing probe makes the instance ready, so gating is
 * unchanged. periodSeconds paces the probe once the instance serves (the monitor).
 */
const STARTUP_PROBE_MS = 250;
const FIRST_STARTUP_PROBE_MS = 30;

export interface WaitReadyOptions {
  environmentId: string;
  readiness: Probe | undefined;
  startTimeoutSeconds: number;
  /** Names the instance in messages, e.g. "instance 2 (v2)". */
  describe: string;
  signal: AbortSignal;
  log(message: string): void;
}

/**
 * Waits until a just-started instance is ready: its readiness probe passes (after
 * initialDelaySeconds, every STARTUP_PROBE_MS) or, without a probe, it has run for 5 s. Throws
 * RolloutFailedError when it exits or is not ready within the start timeout (after writing its
 * last log lines to the deployment log), and the signal's reason when aborted.
 */
export async function waitUntilReady(docker: Docker, containerId: string, options: WaitReadyOptions): Promise<Docker.ContainerInspectInfo> {
  const container = docker.getContainer(containerId);
  const startMs = Date.now();
  const deadline = startMs + options.startTimeoutSeconds * 1000;
  const probe = options.readiness;
  let nextProbeMs = startMs + (probe?.initialDelaySeconds ?? 0) * 1000;
  let runningSinceMs: number | null = null;
  let probeGapMs = FIRST_STARTUP_PROBE_MS;
  for (;;) {
    throwIfAborted(options.signal);
    const info = await container.inspect();
    if (!info.State.Running || info.State.Restarting || info.RestartCount > 0) {
      await logTail(container, options);
      throw new RolloutFailedError(`${options.describe} ${await howItExited(docker, info)} before it was ready`);
    }
    runningSinceMs ??= Date.now();
    const now = Date.now();
    if (!probe) {
      if (now - runningSinceMs >= NO_PROBE_READY_AFTER_MS) return info;
    } else if (now >= nextProbeMs) {
      nextProbeMs = now + Math.min(probeGapMs, Math.max(1, probe.periodSeconds) * 1000);
      probeGapMs = Math.min(STARTUP_PROBE_MS, probeGapMs * 2);
      if (await runProbe(docker, probe, { containerId, ip: instanceIp(info, options.environmentId) })) return info;
    }
    if (Date.now() >= deadline) {
      await logTail(container, options);
      throw new RolloutFailedError(`${options.describe} was not ready within ${options.startTimeoutSeconds} s`);
    }
    const untilProbe = probe ? nextProbeMs - Date.now() : NO_PROBE_READY_AFTER_MS;
    await sleep(Math.max(20, Math.min(POLL_MS, untilProbe, deadline - Date.now())), options.signal);
  }
}

/**
 * "exited with code N". Once the engine has restarted the instance, inspect shows the new run,
 * so the code of the run that failed comes from the engine's `die` event instead.
 */
async function howItExited(docker: Docker, info: Docker.ContainerInspectInfo): Promise<string> {
  if (!info.State.Running) return `exited with code ${info.State.ExitCode}`;
  const code = await lastExitCode(docker, info.Id).catch(() => null);
  return `exited${code !== null ? ` with code ${code}` : ''} and was restarted ${info.RestartCount} time(s)`;
}

/** The instance's last output lines, into the deployment log (they usually say why it failed). */
async function logTail(container: Docker.Container, options: WaitReadyOptions): Promise<void> {
  try {
    const buffer = (await container.logs({ stdout: true, stderr: true, tail: 10, follow: false })) as unknown as Buffer;
    for (const line of demux(buffer)) options.log(`${options.describe}: ${line}`);
  } catch {
    // Best effort: the container may already be gone.
  }
}

/** Docker's multiplexed log frames (8-byte header each) → lines; plain text when not framed (TTY). */
function demux(buffer: Buffer): string[] {
  const chunks: string[] = [];
  let offset = 0;
  const framed = buffer.length >= 8 && (buffer[0] === 1 || buffer[0] === 2) && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!framed) return buffer.toString('utf8').split('\n').filter(Boolean);
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    chunks.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return chunks.join('').split('\n').filter(Boolean);
}
