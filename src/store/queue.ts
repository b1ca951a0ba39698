import { randomUUID } from 'node:crypto';
import { requestKey, type DeploymentRunStatus } from '../domain/index.js';
import { nowIso, type StoreContext } from './context.js';
import { toDeployment, requestServicesColumn } from './deployment-row.js';
import { toNumber } from './dialect.js';
import type { Deployment, EnqueueResult, NewRequest } from './store.js';

/** Bounded retries of an operation that lost a race to another writer. */
const MAX_ATTEMPTS = 10;

/**
 * The queue of docs/queue-and-cancel.md#one-action-at-a-time. Two partial unique indexes make the
 * database the arbiter across processes: one RUNNING deployment per environment, one identical
 * QUEUED request per environment. FIFO is the order of `seq`, an autoincrement, never of
 * timestamps.
 */
export class QueueRepository {
  constructor(private readonly ctx: StoreContext) {}

  async enqueue(input: NewRequest): Promise<EnqueueResult> {
    const key = requestKey(input.request);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const waiting = await this.ctx.db
        .selectFrom('deployments')
        .selectAll()
        .where('environment_id', '=', input.environmentId)
        .where('request_key', '=', key)
        .where('status', '=', 'QUEUED')
        .executeTakeFirst();
      if (waiting) return { deployment: toDeployment(waiting), merged: true };

      const inserted = await this.ctx.db
        .insertInto('deployments')
        .values(this.newRow(input, key, null))
        // An identical request was queued meanwhile (maybe by another process): merge into it.
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { deployment: toDeployment(inserted), merged: false };
    }
    throw new Error(`could not enqueue on environment ${input.environmentId}: the queue kept changing`);
  }

  /**
   * Inserts the request already RUNNING, claimed by `owner`, when nothing waits or runs on its
   * environment: no other process (nor a queue look of this one) can claim it first, so its
   * owner sets it going before answering. undefined when the environment is not idle; should
   * another process start a request there meanwhile, the partial unique index refuses this one.
   */
  async startIfIdle(input: NewRequest, owner: string, leaseMs: number): Promise<Deployment | undefined> {
    const busy = await this.ctx.db
      .selectFrom('deployments')
      .select('id')
      .where('environment_id', '=', input.environmentId)
      .where('status', 'in', ['QUEUED', 'RUNNING'])
      .executeTakeFirst();
    if (busy) return undefined;
    try {
      const row = await this.ctx.db
        .insertInto('deployments')
        .values(this.newRow(input, requestKey(input.request), { owner, leaseMs }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDeployment(row);
    } catch (error) {
      if (this.ctx.flavor.isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  /** A new deployments row: QUEUED, or RUNNING under a lease when `claim` says whose. */
  private newRow(input: NewRequest, key: string, claim: { owner: string; leaseMs: number } | null) {
    const now = this.ctx.now();
    return {
      id: randomUUID(),
      environment_id: input.environmentId,
      request: JSON.stringify(input.request),
      request_key: key,
      request_services: requestServicesColumn(input.request),
      origin: input.origin,
      triggered_by: input.triggeredBy,
      status: claim ? 'RUNNING' : 'QUEUED',
      message: null,
      cancel_requested: this.ctx.flavor.bool(false),
      force_cancel: this.ctx.flavor.bool(false),
      lease_owner: claim?.owner ?? null,
      lease_expires_at: claim ? new Date(now.getTime() + claim.leaseMs).toISOString() : null,
      created_at: now.toISOString(),
      started_at: claim ? now.toISOString() : null,
      ended_at: null,
    };
  }

  async position(deploymentId: string): Promise<number | null> {
    const row = await this.ctx.db
      .selectFrom('deployments')
      .select(['seq', 'status', 'environment_id'])
      .where('id', '=', deploymentId)
      .executeTakeFirst();
    if (!row) return null;
    if (row.status === 'RUNNING') return 0;
    if (row.status !== 'QUEUED') return null;
    const ahead = await this.ctx.db
      .selectFrom('deployments')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('environment_id', '=', row.environment_id)
      .where('status', '=', 'QUEUED')
      .where('seq', '<', toNumber(row.seq))
      .executeTakeFirstOrThrow();
    return 1 + toNumber(ahead.n as number | string | bigint);
  }

  async listWaiting(environmentId: string): Promise<Deployment[]> {
    const rows = await this.ctx.db
      .selectFrom('deployments')
      .selectAll()
      .where('environment_id', '=', environmentId)
      .where('status', '=', 'QUEUED')
      .orderBy('seq')
      .execute();
    return rows.map(toDeployment);
  }

  async getRunning(environmentId: string): Promise<Deployment | undefined> {
    const row = await this.ctx.db
      .selectFrom('deployments')
      .selectAll()
      .where('environment_id', '=', environmentId)
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    return row && toDeployment(row);
  }

  async environmentsReadyToRun(): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('deployments as d')
      .select('d.environment_id')
      .where('d.status', '=', 'QUEUED')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('deployments as r')
              .select('r.seq')
              .whereRef('r.environment_id', '=', 'd.environment_id')
              .where('r.status', '=', 'RUNNING'),
          ),
        ),
      )
      .groupBy('d.environment_id')
      // The environment whose oldest request waited longest goes first.
      .orderBy((eb) => eb.fn.min('d.seq'))
      .execute();
    return rows.map((r) => r.environment_id);
  }

  /**
   * One UPDATE moves the oldest QUEUED row to RUNNING, only if it is still QUEUED and nothing
   * runs on the environment. Should two processes still race past that check, the partial
   * unique index refuses the second RUNNING row: that process claimed nothing.
   */
  async claimNext(environmentId: string, owner: string, leaseMs: number): Promise<Deployment | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = this.ctx.now();
      let claimed;
      try {
        claimed = await this.ctx.db
          .updateTable('deployments')
          .set({
            status: 'RUNNING',
            lease_owner: owner,
            lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(),
            started_at: now.toISOString(),
          })
          .where('status', '=', 'QUEUED')
          .where('seq', '=', (eb) =>
            eb
              .selectFrom('deployments as q')
              .select((qb) => qb.fn.min('q.seq').as('seq'))
              .where('q.environment_id', '=', environmentId)
              .where('q.status', '=', 'QUEUED'),
          )
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('deployments as r')
                  .select('r.seq')
                  .where('r.environment_id', '=', environmentId)
                  .where('r.status', '=', 'RUNNING'),
              ),
            ),
          )
          .returningAll()
          .executeTakeFirst();
      } catch (error) {
        if (this.ctx.flavor.isUniqueViolation(error)) return undefined;
        throw error;
      }
      if (claimed) return toDeployment(claimed);
      // Nothing updated: either something runs, the queue is empty, or the oldest request was
      // taken or removed between the subquery and the update (then look again).
      const state = await this.ctx.db
        .selectFrom('deployments')
        .select('status')
        .where('environment_id', '=', environmentId)
        .where('status', 'in', ['QUEUED', 'RUNNING'])
        .execute();
      if (state.length === 0 || state.some((r) => r.status === 'RUNNING')) return undefined;
    }
    return undefined;
  }

  async renewLease(deploymentId: string, owner: string, leaseMs: number): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('deployments')
      .set({ lease_expires_at: new Date(this.ctx.now().getTime() + leaseMs).toISOString() })
      .where('id', '=', deploymentId)
      .where('status', '=', 'RUNNING')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return toNumber(result.numUpdatedRows) > 0;
  }

  async listExpiredLeases(): Promise<Deployment[]> {
    const rows = await this.ctx.db
      .selectFrom('deployments')
      .selectAll()
      .where('status', '=', 'RUNNING')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', nowIso(this.ctx))]))
      .orderBy('seq')
      .execute();
    return rows.map(toDeployment);
  }

  /**
   * Compare-and-set on the old owner, and only while the lease is still expired: an owner
   * that renewed in time keeps its deployment.
   */
  async takeOverLease(deploymentId: string, expiredOwner: string | null, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.ctx.now();
    const result = await this.ctx.db
      .updateTable('deployments')
      .set({ lease_owner: owner, lease_expires_at: new Date(now.getTime() + leaseMs).toISOString() })
      .where('id', '=', deploymentId)
      .where('status', '=', 'RUNNING')
      .where((eb) => (expiredOwner === null ? eb('lease_owner', 'is', null) : eb('lease_owner', '=', expiredOwner)))
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now.toISOString())]))
      .executeTakeFirst();
    return toNumber(result.numUpdatedRows) > 0;
  }

  async finishDeployment(
    id: string,
    status: Exclude<DeploymentRunStatus, 'QUEUED' | 'RUNNING'>,
    message: string | null,
  ): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('deployments')
      .set({ status, message, ended_at: nowIso(this.ctx) })
      .where('id', '=', id)
      .where('status', 'in', ['QUEUED', 'RUNNING'])
      .executeTakeFirst();
    return toNumber(result.numUpdatedRows) > 0;
  }

  /** Sets the flags the running engine polls; force is never taken back by a later plain cancel. */
  async requestCancel(deploymentId: string, force: boolean): Promise<void> {
    await this.ctx.db
      .updateTable('deployments')
      .set(force ? { cancel_requested: this.ctx.flavor.bool(true), force_cancel: this.ctx.flavor.bool(true) } : { cancel_requested: this.ctx.flavor.bool(true) })
      .where('id', '=', deploymentId)
      .where('status', 'in', ['QUEUED', 'RUNNING'])
      .execute();
  }

  async removeWaiting(deploymentId: string): Promise<boolean> {
    const result = await this.ctx.db
      .updateTable('deployments')
      .set({ status: 'CANCELED', message: 'removed from the queue', ended_at: nowIso(this.ctx) })
      .where('id', '=', deploymentId)
      .where('status', '=', 'QUEUED')
      .executeTakeFirst();
    return toNumber(result.numUpdatedRows) > 0;
  }
}
