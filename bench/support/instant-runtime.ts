import type { RunningState } from '../../src/domain/index.js';
import type { Endpoint, EnvironmentTarget, JobResult, RolloutSpec, Runtime, ServiceTarget } from '../../src/runtime/runtime.js';

/**
 * A runtime that does nothing and answers at once: every call resolves on the next
 * microtask. With it, a benchmark measures the engine alone (queue, stage runner, store
 * writes, events). It remembers the spec hash each service "runs", so a redeploy without
 * changes takes the engine's no-op path exactly as it would on Docker.
 *
 * `rolloutMs` makes each rollout wait that long, doing nothing meanwhile, as a real runtime
 * waits for its instances: time spent waiting, not working.
 */
export class InstantRuntime implements Runtime {
  /** As the docker runtime. */
  readonly builtImages = 'local-engine' as const;
  private readonly hashes = new Map<string, { hash: string; instances: number; version: string }>();

  constructor(private readonly options: { rolloutMs?: number } = {}) {}

  async prepareEnvironment(_env: EnvironmentTarget): Promise<void> {}

  async resolveImage(image: { name: string; tag: string }): Promise<string> {
    return `sha256:instant-${image.name}:${image.tag}`;
  }

  /** As on Docker when the local image is current: known without a pull. */
  async currentImage(image: { name: string; tag: string }): Promise<string> {
    return this.resolveImage(image);
  }

  async runningSpecHash(target: ServiceTarget): Promise<string | null> {
    return this.hashes.get(target.serviceId)?.hash ?? null;
  }

  async deploy(target: ServiceTarget, spec: RolloutSpec): Promise<void> {
    if (this.options.rolloutMs) await new Promise((resolve) => setTimeout(resolve, this.options.rolloutMs));
    this.hashes.set(target.serviceId, { hash: spec.specHash, instances: spec.instances, version: spec.version });
  }

  async restart(): Promise<void> {}

  /** Every job run exits 0 at once. */
  async runJob(): Promise<JobResult> {
    return { exitCode: 0, outcome: 'exited' };
  }

  async stop(target: ServiceTarget): Promise<void> {
    this.hashes.delete(target.serviceId);
  }

  async delete(target: ServiceTarget): Promise<void> {
    this.hashes.delete(target.serviceId);
  }

  async deleteEnvironment(): Promise<void> {}

  async observe(target: ServiceTarget): Promise<RunningState> {
    const running = this.hashes.get(target.serviceId);
    if (!running) return { status: 'STOPPED', instances: [] };
    return {
      status: 'RUNNING',
      instances: Array.from({ length: running.instances }, (_, i) => ({
        id: `${target.serviceId}-${i}`,
        version: running.version,
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
