import type Docker from 'dockerode';
import type { InstanceUsage } from '../runtime.js';

/** The figures of a stats answer this file reads (the Engine API's, cgroup v1 and v2). */
interface StatsAnswer {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

interface CpuReading {
  container: number;
  system: number;
  /** When it was taken (ms), so readings of containers gone are forgotten. */
  at: number;
}

/** The reading CPU is compared with, and the figure last computed from it. */
interface LastReading {
  reading: CpuReading;
  cpuPercent: number | null;
}

/** A reading not renewed for this long is of a container gone (or no longer sampled). */
const FORGET_AFTER_MS = 10 * 60_000;

/** A reading newer than this does not replace the one CPU is compared with. */
const MIN_INTERVAL_MS = 1000;

/** Stats calls in flight at once, whatever the number of containers. */
const CONCURRENCY = 8;

/**
 * CPU and memory of containers from one-shot stats calls (`stream=false&one-shot=true`: the
 * engine answers at once instead of sampling for a second). A one-shot answer carries no
 * previous reading, so CPU is the change since this object's last reading of the container:
 * the first reading of a container has no CPU figure yet.
 */
export class ContainerStats {
  private readonly last = new Map<string, LastReading>();
  private lastPruneMs = Date.now();

  constructor(private readonly docker: Docker) {}

  /** One reading per container (CONCURRENCY at a time); a container gone meanwhile is left out. */
  async read(ids: readonly string[]): Promise<InstanceUsage[]> {
    const out: InstanceUsage[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const usage = await this.readOne(id).catch(() => null);
        if (usage) out.push(usage);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
    this.prune();
    return out;
  }

  /** The map stays as small as what is sampled: readings not renewed for a while go, once a minute at most. */
  private prune(): void {
    const now = Date.now();
    if (now - this.lastPruneMs < 60_000) return;
    this.lastPruneMs = now;
    for (const [id, last] of this.last) if (now - last.reading.at > FORGET_AFTER_MS) this.last.delete(id);
  }

  private async readOne(id: string): Promise<InstanceUsage> {
    // one-shot is in the Engine API since 1.41; dockerode's types do not list it.
    const stats = (await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false })) as unknown as StatsAnswer;
    const cpu: CpuReading = { container: stats.cpu_stats?.cpu_usage?.total_usage ?? 0, system: stats.cpu_stats?.system_cpu_usage ?? 0, at: Date.now() };
    const last = this.last.get(id);
    // The engine samples a container about once a second and answers every caller in between
    // with that sample: two callers at once (the sampler and a page) get the same counters, and
    // the second must not turn "no change" into "no figure". The same sample, the same figure.
    if (last && cpu.system === last.reading.system) return { instanceId: id, cpuPercent: last.cpuPercent, ...memoryOf(stats) };
    const percent = cpuPercent(last?.reading, cpu, stats.cpu_stats?.online_cpus ?? 1);
    // Readings close together compare with the same older one: the engine's CPU counters move
    // in ticks, and a delta of a few milliseconds says nothing.
    if (!last || cpu.at - last.reading.at >= MIN_INTERVAL_MS) this.last.set(id, { reading: cpu, cpuPercent: percent });
    else last.cpuPercent = percent;
    return { instanceId: id, cpuPercent: percent, ...memoryOf(stats) };
  }
}

/** As `docker stats` computes it: the container's share of the host's CPU time, times its CPUs. */
function cpuPercent(before: CpuReading | undefined, now: CpuReading, cpus: number): number | null {
  if (!before) return null;
  const container = now.container - before.container;
  const system = now.system - before.system;
  if (system <= 0 || container < 0) return null;
  return Math.round((container / system) * cpus * 100 * 100) / 100;
}

/** As `docker stats` shows it: usage less the page cache the kernel can take back. */
function memoryOf(stats: StatsAnswer): { memoryBytes: number; memoryLimitBytes: number | null } {
  const memory = stats.memory_stats ?? {};
  const cache = memory.stats?.inactive_file ?? memory.stats?.total_inactive_file ?? 0;
  const usage = Math.max(0, (memory.usage ?? 0) - cache);
  // Without a limit the engine reports the host's memory; still the bound the instance has.
  return { memoryBytes: usage, memoryLimitBytes: memory.limit && memory.limit > 0 ? memory.limit : null };
}
