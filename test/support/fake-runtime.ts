import type { RunningState } from '../../src/domain/index.js';
import {
  RolloutCanceledError,
  RolloutFailedError,
  type BuiltImageSource,
  type Endpoint,
  type EnvironmentTarget,
  type JobResult,
  type JobSpec,
  type OperationContext,
  type RolloutSpec,
  type Runtime,
  type ServiceTarget,
} from '../../src/runtime/runtime.js';

/**
 * A test double of the Runtime interface, for unit tests of the engine only: it keeps the
 * specs "running" in memory, records every call, and can be told to fail or to hold a call
 * until the test releases it (or the call's signal aborts).
 */
export interface RecordedCall {
  method: string;
  serviceName?: string;
  at: number;
}

export class FakeRuntime implements Runtime {
  /** As the docker runtime: an image just built runs by its local id. Tests may set 'registry'. */
  builtImages: BuiltImageSource = 'local-engine';
  readonly calls: RecordedCall[] = [];
  readonly running = new Map<string, RolloutSpec>();
  /** Service names whose next deploy fails. */
  readonly failDeploy = new Set<string>();
  /** Service names whose deploy waits until released (or aborted). */
  private readonly holds = new Map<string, { started: () => void; release: () => void; startedPromise: Promise<void>; released: Promise<void> }>();
  private seq = 0;
  /** Exit codes of the next runs of a job, by service name (default 0); 'timeout' times the run out. */
  readonly jobExits = new Map<string, Array<number | 'timeout'>>();
  /** Every job run: service name, spec and the env it got. */
  readonly jobRuns: Array<{ serviceName: string; spec: JobSpec }> = [];
  /** Every restart: service name and the spec it was handed. */
  readonly restarts: Array<{ serviceName: string; spec: RolloutSpec }> = [];

  hold(serviceName: string): { started: Promise<void>; release: () => void } {
    let started!: () => void;
    let release!: () => void;
    const startedPromise = new Promise<void>((r) => (started = r));
    const released = new Promise<void>((r) => (release = r));
    this.holds.set(serviceName, { started, release, startedPromise, released });
    return { started: startedPromise, release };
  }

  private record(method: string, serviceName?: string): void {
    this.calls.push({ method, serviceName, at: this.seq++ });
  }

  callsOf(method: string): string[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.serviceName ?? '');
  }

  async prepareEnvironment(_env: EnvironmentTarget): Promise<void> {
    this.record('prepareEnvironment');
  }

  async resolveImage(image: { name: string; tag: string }): Promise<string> {
    this.record('resolveImage', `${image.name}:${image.tag}`);
    return `sha256:${image.name}:${image.tag}`;
  }

  /** Set by knowCurrentImages(): without it, as a runtime that can tell an image only by pulling it. */
  currentImage?: (image: { name: string; tag: string }) => Promise<string | null>;

  /** From now on, images are known without a pull (as on Docker when the local image is current). */
  knowCurrentImages(): this {
    this.currentImage = async (image) => {
      this.record('currentImage', `${image.name}:${image.tag}`);
      return `sha256:${image.name}:${image.tag}`;
    };
    return this;
  }

  async runningSpecHash(target: ServiceTarget): Promise<string | null> {
    return this.running.get(target.serviceId)?.specHash ?? null;
  }

  async runningSpecHashes(env: EnvironmentTarget): Promise<Map<string, string | null>> {
    this.record('runningSpecHashes', env.environmentName);
    return new Map([...this.running].map(([serviceId, spec]) => [serviceId, spec.specHash]));
  }

  private async maybeHold(target: ServiceTarget, ctx: OperationContext): Promise<void> {
    const hold = this.holds.get(target.serviceName);
    if (!hold) return;
    this.holds.delete(target.serviceName);
    hold.started();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(new RolloutCanceledError('canceled mid-rollout; previous instances restored'));
      if (ctx.signal.aborted) return onAbort();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      void hold.released.then(() => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  async deploy(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void> {
    this.record('deploy', target.serviceName);
    ctx.log('info', `fake rollout of ${spec.version}`);
    await this.maybeHold(target, ctx);
    if (this.failDeploy.has(target.serviceName)) {
      this.failDeploy.delete(target.serviceName);
      throw new RolloutFailedError('instance 1 was not ready within the start timeout');
    }
    this.running.set(target.serviceId, spec);
  }

  /** A run held by hold(): it ends when released (exit code as queued) or is killed when the signal aborts. */
  async runJob(target: ServiceTarget, spec: JobSpec, ctx: OperationContext): Promise<JobResult> {
    this.record('runJob', target.serviceName);
    this.jobRuns.push({ serviceName: target.serviceName, spec });
    ctx.log('info', `fake job run ${spec.runId}`);
    try {
      await this.maybeHold(target, ctx);
    } catch {
      return { exitCode: 137, outcome: 'killed' };
    }
    const exit = this.jobExits.get(target.serviceName)?.shift() ?? 0;
    if (exit === 'timeout') return { exitCode: 137, outcome: 'timed-out' };
    ctx.log(exit === 0 ? 'info' : 'error', `exited with code ${exit}`);
    return { exitCode: exit, outcome: 'exited' };
  }

  /** Set: settle (recovery of a half-done rollout) fails with it, as when the runtime is unreachable. */
  settleError: Error | undefined;

  async settle(target: ServiceTarget, _keepSpecHash: string | null, _ctx: OperationContext): Promise<void> {
    this.record('settle', target.serviceName);
    if (this.settleError) throw this.settleError;
  }

  async restart(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void> {
    this.record('restart', target.serviceName);
    this.restarts.push({ serviceName: target.serviceName, spec });
    await this.maybeHold(target, ctx);
  }

  async stop(target: ServiceTarget, _ctx?: OperationContext): Promise<void> {
    this.record('stop', target.serviceName);
    this.running.delete(target.serviceId);
  }

  async delete(target: ServiceTarget): Promise<void> {
    this.record('delete', target.serviceName);
    this.running.delete(target.serviceId);
  }

  async deleteEnvironment(): Promise<void> {
    this.record('deleteEnvironment');
  }

  async observe(target: ServiceTarget): Promise<RunningState> {
    const spec = this.running.get(target.serviceId);
    if (!spec) return { status: 'STOPPED', instances: [] };
    return {
      status: 'RUNNING',
      instances: Array.from({ length: spec.instances }, (_, i) => ({
        id: `${target.serviceName}-${i}`,
        version: spec.version,
        ready: true,
        restarts: 0,
        lastExitCode: null,
        startedAt: null,
      })),
    };
  }

  async endpoints(): Promise<Endpoint[]> {
    return [];
  }

  watch(): () => void {
    return () => undefined;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}
