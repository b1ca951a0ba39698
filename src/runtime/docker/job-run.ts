import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { JobResult, JobSpec, OperationContext, ServiceTarget } from '../runtime.js';
import { isNotFound } from './instance-ip.js';
import { environmentLabels, networkName } from './names-and-labels.js';

/**
 * A job run on Docker (docs/runtimes.md#docker): one one-off container, waited for, removed afterwards.
 * Its labels name the job's service under their own keys, not `slipway.service`, so the
 * runtime never mistakes a run for an instance of a long-running service (observe, adopt).
 */

export const JOB_LABEL = {
  service: 'slipway.job-service',
  run: 'slipway.job-run',
} as const;

function jobContainerName(target: ServiceTarget, runId: string): string {
  return `slipway-${target.projectName}-${target.environmentName}-${target.serviceName}-run-${runId}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** Splits a byte stream into lines and hands each complete one to `line`. */
function lineWriter(line: (text: string) => void): { stream: PassThrough; flush: () => void } {
  const stream = new PassThrough();
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      line(buffer.slice(0, newline).replace(/\r$/, ''));
      buffer = buffer.slice(newline + 1);
    }
  });
  return {
    stream,
    flush: () => {
      if (buffer) line(buffer);
      buffer = '';
    },
  };
}

export async function runJobContainer(docker: Docker, target: ServiceTarget, spec: JobSpec, ctx: OperationContext): Promise<JobResult> {
  if (ctx.signal.aborted) return { exitCode: null, outcome: 'killed' };
  const network = networkName(target.environmentId);
  const container = await docker.createContainer({
    name: jobContainerName(target, spec.runId),
    Image: spec.image,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    ...(spec.command !== undefined && spec.command.length > 0 ? { Cmd: spec.command } : {}),
    Labels: { ...environmentLabels(target), [JOB_LABEL.service]: target.serviceId, [JOB_LABEL.run]: spec.runId },
    HostConfig: {
      NetworkMode: network,
      Init: true,
      ...(spec.cpu > 0 ? { NanoCpus: Math.round(spec.cpu * 1_000_000) } : {}),
      ...(spec.memoryMb > 0 ? { Memory: spec.memoryMb * 1024 * 1024 } : {}),
    },
  });
  const stdout = lineWriter((text) => ctx.log('info', text));
  const stderr = lineWriter((text) => ctx.log('warn', text));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    // Attached before start, so not a line of output is missed.
    const attached = await container.attach({ stream: true, stdout: true, stderr: true });
    docker.modem.demuxStream(attached, stdout.stream, stderr.stream);
    const outputEnded = new Promise<void>((resolve) => {
      attached.on('end', resolve);
      attached.on('close', resolve);
      attached.on('error', () => resolve());
    });
    // 'next-exit': the default ('not-running') would answer at once for a container not started yet.
    const exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await container.start();
    ctx.log('info', `job run ${spec.runId} started (${spec.version})`);

    let killedFor: 'timed-out' | 'killed' | undefined;
    const kill = (why: 'timed-out' | 'killed'): void => {
      if (killedFor) return;
      killedFor = why;
      void container.kill().catch(() => undefined);
    };
    if (spec.maxDurationSeconds > 0) timer = setTimeout(() => kill('timed-out'), spec.maxDurationSeconds * 1000);
    onAbort = () => kill('killed');
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });

    const { StatusCode } = await exited;
    // The last lines may still be in flight when wait() answers; the stream ends soon after.
    await Promise.race([outputEnded, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    stdout.flush();
    stderr.flush();
    if (killedFor === 'timed-out') {
      ctx.log('error', `job run ${spec.runId} killed: still running after ${spec.maxDurationSeconds} s (maxDurationSeconds)`);
      return { exitCode: StatusCode, outcome: 'timed-out' };
    }
    if (killedFor === 'killed') {
      ctx.log('warn', `job run ${spec.runId} killed`);
      return { exitCode: StatusCode, outcome: 'killed' };
    }
    ctx.log(StatusCode === 0 ? 'info' : 'error', `job run ${spec.runId} exited with code ${StatusCode}`);
    return { exitCode: StatusCode, outcome: 'exited' };
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}
