import { DomainError } from '../domain/index.js';
import type { StoreContext } from './context.js';

/**
 * One stable host port per (service, container port): the port Docker publishes a public tcp
 * port on. Allocation picks the lowest free port of the range; the unique index on host_port
 * settles races between processes (the loser retries with the next free one). A port found
 * taken by another program before Docker publishes it is given up for another (reallocateHostPort).
 */
export class HostPortsRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** `avoid`: ports known to be unusable (taken by another program): never picked. */
  async allocateHostPort(
    serviceId: string,
    containerPort: number,
    range: { from: number; to: number },
    avoid: readonly number[] = [],
  ): Promise<number> {
    const attempts = Math.max(0, range.to - range.from + 1) + 5;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const existing = await this.ctx.db
        .selectFrom('host_ports')
        .select('host_port')
        .where('service_id', '=', serviceId)
        .where('container_port', '=', containerPort)
        .executeTakeFirst();
      if (existing) return existing.host_port;

      const taken = await this.ctx.db
        .selectFrom('host_ports')
        .select('host_port')
        .where('host_port', '>=', range.from)
        .where('host_port', '<=', range.to)
        .orderBy('host_port')
        .execute();
      const candidate = lowestFree(range, [...taken.map((r) => r.host_port), ...avoid].sort((a, b) => a - b));
      if (candidate === undefined) {
        throw new DomainError('NO_FREE_HOST_PORT', `no free host port left in ${range.from}-${range.to}`);
      }
      const inserted = await this.ctx.db
        .insertInto('host_ports')
        .values({ service_id: serviceId, container_port: containerPort, host_port: candidate })
        // Either constraint may fire: the port was just taken, or another process allocated
        // this (service, container port) first. Both are settled by looking again.
        .onConflict((oc) => oc.doNothing())
        .returning('host_port')
        .executeTakeFirst();
      if (inserted) return inserted.host_port;
    }
    throw new Error(`could not allocate a host port for service ${serviceId} after ${attempts} attempts`);
  }

  /**
   * The service port's host port is taken by another program: gives up the allocation if it is
   * one of `unavailable` and allocates another port of the range, none of them.
   */
  async reallocateHostPort(serviceId: string, containerPort: number, range: { from: number; to: number }, unavailable: readonly number[]): Promise<number> {
    if (unavailable.length > 0) {
      await this.ctx.db
        .deleteFrom('host_ports')
        .where('service_id', '=', serviceId)
        .where('container_port', '=', containerPort)
        .where('host_port', 'in', [...unavailable])
        .execute();
    }
    return this.allocateHostPort(serviceId, containerPort, range, unavailable);
  }

  async listHostPorts(serviceId?: string): Promise<Array<{ serviceId: string; containerPort: number; hostPort: number }>> {
    let query = this.ctx.db.selectFrom('host_ports').select(['service_id', 'container_port', 'host_port']).orderBy('host_port');
    if (serviceId !== undefined) query = query.where('service_id', '=', serviceId);
    const rows = await query.execute();
    return rows.map((r) => ({ serviceId: r.service_id, containerPort: r.container_port, hostPort: r.host_port }));
  }

  async releaseHostPorts(serviceId: string): Promise<void> {
    await this.ctx.db.deleteFrom('host_ports').where('service_id', '=', serviceId).execute();
  }
}

function lowestFree(range: { from: number; to: number }, takenAscending: number[]): number | undefined {
  let candidate = range.from;
  for (const port of takenAscending) {
    if (port > candidate) break;
    if (port === candidate) candidate++;
  }
  return candidate <= range.to ? candidate : undefined;
}
