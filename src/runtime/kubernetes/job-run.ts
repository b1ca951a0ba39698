import { Writable } from 'node:stream';
import { Log, type KubernetesObject, type V1Job, type V1JobCondition, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import type { JobResult, JobSpec, OperationContext, ServiceTarget } from '../runtime.js';
import { apiErrorMessage, type Cluster, type ObjectRef } from './cluster.js';
import { jobEnvSecretName, jobManifest } from './job-manifests.js';
import { envSecretNamed } from './manifests.js';
import { LABEL, labelSelector, namespaceName } from './names-and-labels.js';

/**
 * A lifecycle job's run on Kubernetes (docs/runtimes.md#kubernetes): a Job, followed with a watch
 * until it is Complete or Failed, its pod's output streamed into the log while it runs, then
 * removed. Aborting the signal deletes the Job (and so its pod): outcome 'killed'.
 */

/** How long after the Job's own deadline Slipway stops waiting for the controller to say so. */
const DEADLINE_GRACE_MS = 60_000;

function condition(job: V1Job, type: string): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** Splits a byte stream into lines for the log; the last partial line comes out on end. */
class LineStream extends Writable {
  private buffer = '';
  constructor(private readonly line: (text: string) => void) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      this.line(this.buffer.slice(0, newline).replace(/\r$/, ''));
      this.buffer = this.buffer.slice(newline + 1);
    }
    done();
  }
  override _final(done: (error?: Error | null) => void): void {
    this.flushLine();
    done();
  }
  flushLine(): void {
    if (this.buffer) this.line(this.buffer);
    this.buffer = '';
  }
}

/** The output of the run's pod, followed once its container has started. */
class PodOutput {
  private started = false;
  private ended: Promise<void> = Promise.resolve();
  private controller: AbortController | undefined;
  private stream: LineStream | undefined;
  private unavailable = false;

  constructor(
    private readonly logs: Log,
    private readonly namespace: string,
    private readonly ctx: OperationContext,
  ) {}

  /** Starts following the pod's output when its container has started (running or ended). */
  follow(pod: V1Pod | undefined): void {
    if (this.started || !pod?.metadata?.name) return;
    const state = pod.status?.containerStatuses?.find((s) => s.name === 'main')?.state;
    if (!state?.running && !state?.terminated) return;
    this.started = true;
    const stream = new LineStream((text) => this.ctx.log('info', text));
    this.stream = stream;
    this.ended = new Promise<void>((resolve) => {
      stream.on('finish', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
      this.logs
        .log(this.namespace, pod.metadata!.name!, 'main', stream, (error: unknown) => {
          if (error) this.reportUnavailable(error);
          resolve();
        }, { follow: true })
        .then(
          (controller) => {
            this.controller = controller;
          },
          (error: unknown) => {
            // Simulated pods (kwok) and some clusters serve no logs: the run goes on without them.
            this.reportUnavailable(error);
            resolve();
          },
        );
    });
  }

  /** Waits briefly for the last lines (the stream ends when the container does), then stops following. */
  async close(): Promise<void> {
    await Promise.race([this.ended, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.controller?.abort();
    this.stream?.flushLine();
  }

  private reportUnavailable(error: unknown): void {
    if (this.unavailable) return;
    this.unavailable = true;
    this.ctx.log('info', `the run's output is not available from the cluster: ${apiErrorMessage(error)}`);
  }
}

export async function runKubernetesJob(cluster: Cluster, target: ServiceTarget, spec: JobSpec, ctx: OperationContext): Promise<JobResult> {
  if (ctx.signal.aborted) return { exitCode: null, outcome: 'killed' };
  const namespace = namespaceName(target.environmentId);
  const secret = envSecretNamed(target, spec, jobEnvSecretName(target, spec.runId));
  const manifest = jobManifest(target, spec, secret?.metadata?.name);
  const name = manifest.metadata!.name!;
  const jobRef: ObjectRef = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace } };
  const podSelector = labelSelector({ [LABEL.jobService]: target.serviceId, [LABEL.jobRun]: manifest.metadata!.labels![LABEL.jobRun]! });
  const output = new PodOutput(new Log(cluster.config), namespace, ctx);
  try {
    // The Secret first: the pod needs it to start. Owned by the Job, so it goes with it even
    // if this process dies before removing it.
    if (secret) await cluster.apply(secret);
    const created = await cluster.apply<KubernetesObject & V1Job>(manifest as KubernetesObject & V1Job);
    if (secret && created.metadata?.uid) {
      await cluster.mergePatch<V1Secret>(
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.metadata!.name!, namespace } },
        { metadata: { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: created.metadata.uid, blockOwnerDeletion: false }] } },
        'slipway-job',
      );
    }
    ctx.log('info', `job run ${spec.runId} started as Job ${namespace}/${name} (${spec.version})`);

    const deadline = spec.maxDurationSeconds > 0 ? Date.now() + spec.maxDurationSeconds * 1000 + DEADLINE_GRACE_MS : Infinity;
    for (;;) {
      if (ctx.signal.aborted) {
        await removeJob(cluster, jobRef, ctx);
        await output.close();
        ctx.log('warn', `job run ${spec.runId} killed: Job ${name} deleted`);
        return { exitCode: null, outcome: 'killed' };
      }
      const job = await cluster.read<V1Job>(jobRef);
      if (!job) throw new Error(`Job ${namespace}/${name} disappeared before it ended`);
      const pods = (await cluster.list<V1Pod>('v1', 'Pod', namespace, podSelector)).items;
      output.follow(pods[0]);
      const complete = condition(job, 'Complete');
      const failed = condition(job, 'Failed');
      if (complete || failed) {
        await output.close();
        return outcomeOf(spec, pods, failed, ctx);
      }
      if (Date.now() > deadline) {
        await removeJob(cluster, jobRef, ctx);
        await output.close();
        ctx.log('error', `job run ${spec.runId} killed: still running after ${spec.maxDurationSeconds} s (maxDurationSeconds), and the Job controller did not end it`);
        return { exitCode: null, outcome: 'timed-out' };
      }
      // Pods changing (started, ended) change the Job's status too: one watch on the Job.
      await cluster.nextChange(
        `/apis/batch/v1/namespaces/${namespace}/jobs`,
        { fieldSelector: `metadata.name=${name}`, resourceVersion: job.metadata?.resourceVersion },
        ctx.signal,
        Math.min(30_000, Math.max(1000, deadline - Date.now())),
      );
    }
  } finally {
    // Nothing of the run stays: the Job (its pods with it) and its Secret.
    await removeJob(cluster, jobRef, ctx);
    if (secret) await cluster.delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.metadata!.name!, namespace } }).catch(() => undefined);
  }
}

/**
 * Deletes the Job in the foreground (its pods first) and waits, with a watch, until it is gone:
 * when runJob returns nothing of the run is left. A Job still there after 60 s is left to the
 * garbage collector with a warning.
 */
async function removeJob(cluster: Cluster, ref: ObjectRef, ctx: OperationContext): Promise<void> {
  const namespace = ref.metadata.namespace!;
  try {
    if (!(await cluster.delete(ref, 'Foreground'))) return;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = await cluster.read<V1Job>(ref);
      if (!job) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        ctx.log('warn', `Job ${ref.metadata.name} is still being deleted; the cluster removes it`);
        return;
      }
      await cluster.nextChange(
        `/apis/batch/v1/namespaces/${namespace}/jobs`,
        { fieldSelector: `metadata.name=${ref.metadata.name}`, resourceVersion: job.metadata?.resourceVersion },
        undefined,
        Math.min(left, 10_000),
      );
    }
  } catch (error) {
    ctx.log('warn', `could not remove Job ${ref.metadata.name}: ${apiErrorMessage(error)}`);
  }
}

/** The run's end from the pod's terminated state, else from the Job's Failed condition. */
function outcomeOf(spec: JobSpec, pods: V1Pod[], failed: V1JobCondition | undefined, ctx: OperationContext): JobResult {
  const terminated = pods.map((p) => p.status?.containerStatuses?.find((s) => s.name === 'main')?.state?.terminated).find((t) => t !== undefined);
  if (failed?.reason === 'DeadlineExceeded') {
    ctx.log('error', `job run ${spec.runId} killed: still running after ${spec.maxDurationSeconds} s (maxDurationSeconds)`);
    return { exitCode: terminated?.exitCode ?? null, outcome: 'timed-out' };
  }
  if (!failed) {
    ctx.log('info', `job run ${spec.runId} exited with code ${terminated?.exitCode ?? 0}`);
    return { exitCode: terminated?.exitCode ?? 0, outcome: 'exited' };
  }
  const exitCode = terminated && terminated.exitCode !== 0 ? terminated.exitCode : null;
  const why = [failed.reason, failed.message, terminated?.reason].filter((s) => s).join(': ');
  ctx.log('error', `job run ${spec.runId} failed${exitCode !== null ? ` with exit code ${exitCode}` : ''}${why ? ` (${why})` : ''}`);
  return { exitCode, outcome: 'exited' };
}
