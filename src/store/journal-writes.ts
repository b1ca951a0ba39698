import type { Kysely } from 'kysely';
import { canTransition, DomainError, type DeploymentStatus } from '../domain/index.js';
import { nowIso, type StoreContext } from './context.js';
import type { Database } from './database.js';
import { writeDeployedStates } from './deployed-states.js';
import { toNumber } from './dialect.js';
import type { JournalWrites, JournalWritten } from './store.js';

/**
 * Running deployments' writes of one moment, applied in one transaction with one statement
 * per kind of write and value: 40 services moving from DEPLOYING to DEPLOYED, in whichever
 * environments, are one update of services and one of deployment_services, not 80 statements.
 */
export class JournalWritesRepository {
  constructor(private readonly ctx: StoreContext) {}

  async writeJournal(writes: JournalWrites): Promise<JournalWritten> {
    for (const move of writes.moves) {
      if (!canTransition(move.from, move.to)) throw new DomainError('ILLEGAL_TRANSITION', `a service cannot go from ${move.from} to ${move.to}`);
    }
    if (writes.deployedStates.length + writes.moves.length + writes.finishSteps.length + writes.startSteps.length === 0) return { notMoved: [], missingSteps: [], stepIds: [] };
    return this.ctx.db.transaction().execute(async (trx) => {
      const now = nowIso(this.ctx);
      // Before the moves: a move to DEPLOYED copies what the service deployed into the deployment's record.
      await writeDeployedStates(trx, this.ctx, writes.deployedStates);
      const missingSteps = await this.finishSteps(trx, writes.finishSteps, now);
      const notMoved = await this.moveServices(trx, writes.moves, now);
      const stepIds = await this.startSteps(trx, writes.startSteps, now);
      return { notMoved, missingSteps, stepIds };
    });
  }

  /** Ends the steps, one statement per (status, message); the ids that matched no step. */
  private async finishSteps(trx: Kysely<Database>, finishes: JournalWrites['finishSteps'], ended: string): Promise<string[]> {
    const missing: string[] = [];
    for (const group of groupBy(finishes, (f) => JSON.stringify([f.status, f.message === undefined ? 0 : f.message]))) {
      const { status, message } = group[0]!;
      const ids = group.map((f) => Number(f.stepId)).filter((id) => Number.isSafeInteger(id));
      const updated = ids.length === 0 ? [] : await trx
        .updateTable('deployment_steps')
        .set({ status, ended_at: ended, duration_ms: this.ctx.flavor.millisSince('started_at', ended), ...(message !== undefined ? { message } : {}) })
        .where('id', 'in', ids)
        .returning('id')
        .execute();
      const found = new Set(updated.map((row) => String(toNumber(row.id))));
      missing.push(...group.map((f) => f.stepId).filter((id) => !found.has(id)));
    }
    return missing;
  }

  /**
   * Compare-and-set of each service from the status its writer knows, one statement per
   * (from, to, message), then the deployment's record of the services that moved, one per status.
   * Returns the services that were not in `from` (left alone: their writer decides).
   */
  private async moveServices(trx: Kysely<Database>, moves: JournalWrites['moves'], now: string): Promise<string[]> {
    const moved: Array<{ deploymentId: string; serviceId: string; to: DeploymentStatus }> = [];
    for (const group of groupBy(moves, (m) => JSON.stringify([m.from, m.to, m.message]))) {
      const { from, to, message } = group[0]!;
      const rows = await trx
        .updateTable('services')
        .set({ status: to, status_message: message, updated_at: now })
        .where('id', 'in', group.map((m) => m.serviceId))
        .where('status', '=', from)
        .returning('id')
        .execute();
      const hit = new Set(rows.map((row) => row.id));
      moved.push(...group.filter((m) => hit.has(m.serviceId)).map((m) => ({ deploymentId: m.deploymentId, serviceId: m.serviceId, to })));
    }
    for (const group of groupBy(moved, (m) => m.to)) {
      const status = group[0]!.to;
      // DEPLOYED keeps what the service deployed beside the record (what a rollback puts back):
      // its version, and its spec by digest (the spec itself is in deployed_specs once).
      await trx
        .updateTable('deployment_services')
        .set((eb) =>
          status === 'DEPLOYED'
            ? {
                status,
                deployed_version: eb.selectFrom('services').select('services.deployed_version').whereRef('services.id', '=', 'deployment_services.service_id'),
                deployed_spec_digest: eb.selectFrom('services').select('services.deployed_spec_digest').whereRef('services.id', '=', 'deployment_services.service_id'),
              }
            : { status },
        )
        .where((eb) => eb(eb.refTuple('deployment_id', 'service_id'), 'in', group.map((m) => eb.tuple(m.deploymentId, m.serviceId))))
        .execute();
    }
    const done = new Set(moved.map((m) => m.serviceId));
    return moves.map((m) => m.serviceId).filter((id) => !done.has(id));
  }

  /** Starts the steps (or records them ended), one insert per (name, message, status); their ids in the order asked. */
  private async startSteps(trx: Kysely<Database>, starts: JournalWrites['startSteps'], startedAt: string): Promise<string[]> {
    const ids = new Array<string>(starts.length);
    const indexed = starts.map((start, index) => ({ ...start, index }));
    // The same service twice in one insert could not be told apart in what it returns: one row per service and insert.
    const seen = new Map<string, number>();
    const rounds = groupBy(indexed, (s) => {
      const round = seen.get(s.serviceId) ?? 0;
      seen.set(s.serviceId, round + 1);
      return JSON.stringify([round, s.name, s.message ?? null, s.status ?? 'RUNNING']);
    });
    for (const group of rounds) {
      const { name, message, status } = group[0]!;
      const ended = status === undefined ? { ended_at: null, duration_ms: null } : { ended_at: startedAt, duration_ms: 0 };
      const rows = await trx
        .insertInto('deployment_steps')
        .values(group.map((s) => ({ deployment_id: s.deploymentId, service_id: s.serviceId, name, status: status ?? 'RUNNING', started_at: startedAt, ...ended, message: message ?? null })))
        .returning(['id', 'service_id'])
        .execute();
      const byService = new Map(rows.map((row) => [String(row.service_id), String(toNumber(row.id))]));
      for (const s of group) ids[s.index] = byService.get(s.serviceId)!;
    }
    return ids;
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}
