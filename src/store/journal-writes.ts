import { sql, type ExpressionBuilder } from 'kysely';
import { assertTransition, type DeploymentStatus } from '../domain/index.js';
import { nowIso, type StoreContext } from './context.js';
import { compiledPerShape, rowsOf, slotAs, type CompiledContext } from './compiled-once.js';
import type { Database } from './database.js';
import { writeDeployedStates } from './deployed-states.js';
import { insertSteps } from './deployments.js';
import { moveStatusOf } from './services.js';
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
      assertTransition(move.from, move.to);
    }
    if (writes.deployedStates.length + writes.moves.length + writes.finishSteps.length + writes.startSteps.length === 0) return { notMoved: [], missingSteps: [], stepIds: [] };
    return this.ctx.db.transaction().execute(async (trx) => {
      const tx: CompiledContext = { db: trx, flavor: this.ctx.flavor };
      const now = nowIso(this.ctx);
      // Before the moves: a move to DEPLOYED copies what the service deployed into the deployment's record.
      await writeDeployedStates(trx, this.ctx, writes.deployedStates);
      const missingSteps = await this.finishSteps(tx, writes.finishSteps, now);
      const notMoved = await this.moveServices(tx, writes.moves, now);
      const stepIds = await this.startSteps(tx, writes.startSteps, now);
      return { notMoved, missingSteps, stepIds };
    });
  }

  /** Ends the steps, one statement per (status, message); the ids that matched no step. */
  private async finishSteps(tx: CompiledContext, finishes: JournalWrites['finishSteps'], ended: string): Promise<string[]> {
    const missing: string[] = [];
    for (const group of groupBy(finishes, (f) => JSON.stringify([f.status, f.message === undefined ? 0 : f.message]))) {
      const { status, message } = group[0]!;
      const ids = group.map((f) => Number(f.stepId)).filter((id) => Number.isSafeInteger(id));
      const updated =
        ids.length === 0 ? [] : message === undefined ? await endSteps(tx, [status, ended, ended, ...ids]) : await endStepsSaying(tx, [status, ended, ended, message, ...ids]);
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
  private async moveServices(tx: CompiledContext, moves: JournalWrites['moves'], now: string): Promise<string[]> {
    const moved: Array<{ deploymentId: string; serviceId: string; to: DeploymentStatus }> = [];
    for (const group of groupBy(moves, (m) => JSON.stringify([m.from, m.to, m.message]))) {
      const { from, to, message } = group[0]!;
      const rows = await moveStatusOf(tx, [to, message, now, from, ...group.map((m) => m.serviceId)]);
      const hit = new Set(rows.map((row) => row.id));
      moved.push(...group.filter((m) => hit.has(m.serviceId)).map((m) => ({ deploymentId: m.deploymentId, serviceId: m.serviceId, to })));
    }
    for (const group of groupBy(moved, (m) => m.to)) {
      const status = group[0]!.to;
      const pairs = group.flatMap((m) => [m.deploymentId, m.serviceId]);
      await (status === 'DEPLOYED' ? recordDeployed(tx, pairs) : recordStatus(tx, [status, ...pairs]));
    }
    const done = new Set(moved.map((m) => m.serviceId));
    return moves.map((m) => m.serviceId).filter((id) => !done.has(id));
  }

  /** Starts the steps (or records them ended), one insert per (name, message, status); their ids in the order asked. */
  private async startSteps(tx: CompiledContext, starts: JournalWrites['startSteps'], startedAt: string): Promise<string[]> {
    const ids = new Array<string>(starts.length);
    // Wrapped, not spread with the index added: that costs Node 20 about 1 µs per step.
    const indexed = starts.map((start, index) => ({ start, index }));
    // The same service twice in one insert could not be told apart in what it returns: one row per service and insert.
    const seen = new Map<string, number>();
    const rounds = groupBy(indexed, ({ start }) => {
      const round = seen.get(start.serviceId) ?? 0;
      seen.set(start.serviceId, round + 1);
      return JSON.stringify([round, start.name, start.message ?? null, start.status ?? 'RUNNING']);
    });
    for (const group of rounds) {
      const { name, message, status } = group[0]!.start;
      const [endedAt, durationMs] = status === undefined ? [null, null] : [startedAt, 0];
      const rows = await insertSteps(
        tx,
        group.flatMap(({ start }) => [start.deploymentId, start.serviceId, name, status ?? 'RUNNING', startedAt, endedAt, durationMs, message ?? null]),
      );
      const byService = new Map(rows.map((row) => [String(row.service_id), String(toNumber(row.id))]));
      for (const { start, index } of group) ids[index] = byService.get(start.serviceId)!;
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

// The journal writes these for every batch of services that move: built and compiled once per
// row or id count (compiled-once.ts), not for each batch.

/**
 * Ends steps: (status, ended at, ended at again for the duration, [message,] ...step ids). A
 * step ended without a message keeps the one it started with, so there are two statements.
 */
function endStepsStatement(saying: boolean) {
  return compiledPerShape((db, [status, endedAt, endedAgain, ...rest], flavor) => {
    const [message, ids] = saying ? [rest[0]!, rest.slice(1)] : [undefined, rest];
    return db
      .updateTable('deployment_steps')
      .set({ status: status!, ended_at: endedAt!, duration_ms: flavor.millisSince('started_at', endedAgain!), ...(message !== undefined ? { message } : {}) })
      .where('id', 'in', ids.map((id) => slotAs<number>(id)))
      .returning('id');
  });
}
const endSteps = endStepsStatement(false);
const endStepsSaying = endStepsStatement(true);

/** The records of these (deployment id, service id) pairs. */
function recordsOf(pairs: readonly string[]) {
  return (eb: ExpressionBuilder<Database, 'deployment_services'>) =>
    eb(eb.refTuple('deployment_id', 'service_id'), 'in', rowsOf(pairs, 2).map(([deploymentId, serviceId]) => eb.tuple(deploymentId, serviceId)));
}

/** (status, ...pairs of deployment id and service id) */
const recordStatus = compiledPerShape((db, [status, ...pairs]) => db.updateTable('deployment_services').set({ status: status! }).where(recordsOf(pairs)));

/**
 * (...pairs of deployment id and service id) moved to DEPLOYED, which keeps what the service
 * deployed beside the record (what a rollback puts back): its version, and its spec by digest
 * (the spec itself is in deployed_specs once).
 */
const recordDeployed = compiledPerShape((db, pairs) =>
  db
    .updateTable('deployment_services')
    .set((eb) => ({
      status: sql<string>`'DEPLOYED'`,
      deployed_version: eb.selectFrom('services').select('services.deployed_version').whereRef('services.id', '=', 'deployment_services.service_id'),
      deployed_spec_digest: eb.selectFrom('services').select('services.deployed_spec_digest').whereRef('services.id', '=', 'deployment_services.service_id'),
    }))
    .where(recordsOf(pairs)),
);
