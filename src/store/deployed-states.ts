import type { Kysely } from 'kysely';
import { configDigest, deployedSpecDigest, type DeployedSpec } from '../domain/index.js';
import { nowIso, type StoreContext } from './context.js';
import type { Database } from './database.js';
import { parseJson } from './dialect.js';
import type { SecretBox } from './secrets.js';
import type { JournalWrites } from './store.js';

/** Rows per multi-row insert: far below SQLite's and PostgreSQL's limits on parameters. */
const ROWS_PER_INSERT = 500;

/**
 * Records deploys on their services, in the caller's transaction: each service's deployed
 * version, spec hash, spec digest and config digest, its spec (sealed: it holds secret env
 * values) in service_deployed_specs, and the spec by digest in deployed_specs, which the
 * records of the deployments that deploy it name. Many services cost one update each and a
 * few multi-row statements. A service written twice keeps the later write; a service that no
 * longer exists is skipped (as an update of no row).
 */
export async function writeDeployedStates(trx: Kysely<Database>, ctx: StoreContext, writes: JournalWrites['deployedStates']): Promise<void> {
  if (writes.length === 0) return;
  const now = nowIso(ctx);
  const sealed = writes.map(({ serviceId, state }) => ({
    serviceId,
    state,
    digest: deployedSpecDigest(state.deployedSpec),
    config: state.deployedSpec && configDigest(state.deployedSpec),
    spec: state.deployedSpec && ctx.secrets.encrypt(JSON.stringify(state.deployedSpec), deployedSpecContext(serviceId)),
  }));
  const existing = new Set<string>();
  for (const { serviceId, state, digest, config } of sealed) {
    const updated = await trx
      .updateTable('services')
      .set({ deployed_version: state.deployedVersion, deployed_spec_hash: state.deployedSpecHash, deployed_spec_digest: digest, deployed_config_digest: config, updated_at: now })
      .where('id', '=', serviceId)
      .returning('id')
      .execute();
    if (updated.length > 0) existing.add(serviceId);
  }
  const kept = sealed.filter((w) => existing.has(w.serviceId));
  const latest = [...new Map(kept.map((w) => [w.serviceId, w])).values()];
  const cleared = latest.filter((w) => w.spec === null).map((w) => w.serviceId);
  if (cleared.length > 0) await trx.deleteFrom('service_deployed_specs').where('service_id', 'in', cleared).execute();
  const specs = latest.flatMap((w) => (w.spec === null ? [] : [{ service_id: w.serviceId, spec: w.spec }]));
  for (const rows of chunks(specs)) {
    await trx
      .insertInto('service_deployed_specs')
      .values(rows)
      .onConflict((oc) => oc.column('service_id').doUpdateSet((eb) => ({ spec: eb.ref('excluded.spec') })))
      .execute();
  }
  // Every spec written, the earlier of a service written twice included: a record may name either.
  const byDigest = kept.flatMap((w) => (w.spec === null ? [] : [{ service_id: w.serviceId, digest: w.digest!, spec: w.spec }]));
  for (const rows of chunks(byDigest)) {
    await trx
      .insertInto('deployed_specs')
      .values(rows)
      .onConflict((oc) => oc.columns(['service_id', 'digest']).doNothing())
      .execute();
  }
}

/** The deployed spec holds secret env values (the service's and its databases'): encrypted whole. */
export function deployedSpecContext(serviceId: string): string {
  return `service:${serviceId}:deployed-spec`;
}

/** A deployed spec as sealed for its service, decrypted and parsed. */
export function openDeployedSpec(secrets: SecretBox, sealed: string, serviceId: string): DeployedSpec {
  return parseJson<DeployedSpec>(secrets.decrypt(sealed, deployedSpecContext(serviceId)));
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ROWS_PER_INSERT) out.push(items.slice(i, i + ROWS_PER_INSERT));
  return out;
}
