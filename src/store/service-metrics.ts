import type { StoreContext } from './context.js';
import { toNumber } from './dialect.js';
import type { MetricPoint } from './store.js';

/** The most points one read returns (the newest): 24 h at one point every 15 s is 5,760. */
const MAX_POINTS = 10_000;

/** Sampled CPU and memory of services (see migration 0006). */
export class ServiceMetricsRepository {
  constructor(private readonly ctx: StoreContext) {}

  async recordMetricPoints(points: ReadonlyArray<MetricPoint & { serviceId: string }>): Promise<void> {
    if (points.length === 0) return;
    const rows = points.map((p) => ({ service_id: p.serviceId, ts: p.ts, cpu_percent: p.cpuPercent, memory_bytes: p.memoryBytes }));
    // Several rows a statement, few enough for any driver's parameter limit.
    for (let i = 0; i < rows.length; i += 200) await this.ctx.db.insertInto('service_metrics').values(rows.slice(i, i + 200)).execute();
  }

  /** Oldest first, from `since` on. */
  async readMetricPoints(serviceId: string, since: string): Promise<MetricPoint[]> {
    const rows = await this.ctx.db
      .selectFrom('service_metrics')
      .select(['ts', 'cpu_percent', 'memory_bytes'])
      .where('service_id', '=', serviceId)
      .where('ts', '>=', since)
      .orderBy('ts', 'desc')
      .limit(MAX_POINTS)
      .execute();
    return rows.reverse().map((r) => ({ ts: r.ts, cpuPercent: toNumber(r.cpu_percent), memoryBytes: toNumber(r.memory_bytes) }));
  }

  /** Deletes the points older than `before`; how many went. */
  async pruneMetricPoints(before: string): Promise<number> {
    const result = await this.ctx.db.deleteFrom('service_metrics').where('ts', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
