import type { Logger } from 'pino';
import type { Runtime, ServiceTarget } from '../../runtime/runtime.js';
import type { MetricPoint, MetricsStore } from '../../store/store.js';
import type { ServiceUsageNow } from '../control-plane.js';
import type { RuntimeResolver } from '../runtime-resolver.js';

export interface SamplerOptions {
  /** How often every running instance is measured; 0: never. */
  intervalMs: number;
  /** Points older than this are deleted. */
  retentionMs: number;
  /** Services measured at once (each one's runtime bounds its own calls, see ContainerStats). */
  concurrency: number;
}

export const DEFAULT_SAMPLER_OPTIONS: SamplerOptions = { intervalMs: 15_000, retentionMs: 24 * 3600_000, concurrency: 4 };

/** A service's runtime and target are looked up again after this long (a rename shows in the labels). */
const TARGET_TTL_MS = 5 * 60_000;

/**
 * Slipway's sampling of CPU and memory (docs/api.md#metrics): every interval, each service
 * with instances running is measured once through its runtime (usage), the sum of its
 * instances recorded as one point, and points older than the retention deleted. The last
 * figures stay in memory for Prometheus. A cycle still running when the next is due is not
 * doubled: the next one is skipped.
 */
export class MetricsSampler {
  private latest = new Map<string, ServiceUsageNow>();
  private readonly availability = new Map<string, boolean>();
  private readonly targets = new Map<string, { runtime: Runtime; target: ServiceTarget; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private cycle: Promise<void> | undefined;

  constructor(
    private readonly store: MetricsStore,
    private readonly runtimes: RuntimeResolver,
    /** The services with instances running, as last observed. */
    private readonly running: () => string[],
    private readonly logger: Logger,
    private readonly options: SamplerOptions = DEFAULT_SAMPLER_OPTIONS,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sampleNow(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.cycle;
  }

  /** One sampling of every running service now (a cycle already going on is waited for instead). */
  sampleNow(): Promise<void> {
    this.cycle ??= this.sampleAll()
      .catch((err: unknown) => this.logger.warn({ err }, 'metrics sampling failed'))
      .finally(() => {
        this.cycle = undefined;
      });
    return this.cycle;
  }

  /** The figures of the last sampling, one per service measured then. */
  current(): ServiceUsageNow[] {
    return [...this.latest.values()];
  }

  /** False once the service's runtime said it cannot measure it (no metrics API); undefined before any sampling. */
  available(serviceId: string): boolean | undefined {
    return this.availability.get(serviceId);
  }

  private async sampleAll(): Promise<void> {
    const ids = this.running();
    const latest = new Map<string, ServiceUsageNow>();
    const points: Array<MetricPoint & { serviceId: string }> = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const usage = await this.sampleOne(id).catch(() => undefined);
        if (!usage) {
          // Still running but not measured this time (a reading failed, a restarted instance's
          // CPU starts over): Prometheus keeps its last figures; no point is recorded.
          const before = this.latest.get(id);
          if (before) latest.set(id, before);
          continue;
        }
        latest.set(usage.serviceId, usage);
        points.push({ serviceId: usage.serviceId, ts: usage.ts, cpuPercent: usage.cpuPercent, memoryBytes: usage.memoryBytes });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, ids.length) }, worker));
    this.latest = latest;
    const sampled = new Set(ids);
    for (const id of this.targets.keys()) if (!sampled.has(id)) this.targets.delete(id);
    await this.store.recordMetricPoints(points);
    await this.store.pruneMetricPoints(new Date(Date.now() - this.options.retentionMs).toISOString());
  }

  /** The service's instances summed; undefined when nothing was measured (or CPU is not known yet: a first reading). */
  private async sampleOne(serviceId: string): Promise<ServiceUsageNow | undefined> {
    const resolved = await this.resolve(serviceId);
    if (!resolved?.runtime.usage) return undefined;
    const reading = await resolved.runtime.usage(resolved.target);
    this.availability.set(serviceId, reading.available);
    const known = reading.instances.filter((i) => i.cpuPercent !== null);
    if (!reading.available || known.length === 0) return undefined;
    const { target } = resolved;
    return {
      serviceId,
      projectName: target.projectName,
      environmentName: target.environmentName,
      serviceName: target.serviceName,
      ts: new Date().toISOString(),
      cpuPercent: Math.round(known.reduce((sum, i) => sum + (i.cpuPercent ?? 0), 0) * 100) / 100,
      memoryBytes: reading.instances.reduce((sum, i) => sum + i.memoryBytes, 0),
    };
  }

  private async resolve(serviceId: string): Promise<{ runtime: Runtime; target: ServiceTarget } | undefined> {
    const cached = this.targets.get(serviceId);
    if (cached && Date.now() - cached.at < TARGET_TTL_MS) return cached;
    const resolved = await this.runtimes.forService(serviceId);
    if (!resolved) return undefined;
    const entry = { runtime: resolved.runtime, target: resolved.target, at: Date.now() };
    this.targets.set(serviceId, entry);
    return entry;
  }
}
