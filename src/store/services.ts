import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Updateable } from 'kysely';
import {
  assertTransition,
  configDigest,
  type DeployedSpec,
  type DeploymentStatus,
  type Service,
  type ServiceSettings,
  type ServiceSource,
  type ServiceType,
  typedSource,
  type TypedSource,
} from '../domain/index.js';
import { compiledOnce, compiledPerShape } from './compiled-once.js';
import { conflict, notFound, nowIso, type StoreContext } from './context.js';
import { openDeployedSpec, writeDeployedStates } from './deployed-states.js';
import type { Database, ServicesTable } from './database.js';
import { parseJson, toNumber } from './dialect.js';
import { hasClearGitCredentials, sealGitUrl, unsealGitUrl } from './git-url-credentials.js';
import type { DeployedState, NewService, ServicePatch, ServiceState, ServiceSummary } from './store.js';

/** How many lost compare-and-set races setServiceStatus tolerates before giving up. */
const MAX_STATUS_ATTEMPTS = 20;

/**
 * Services; secret env values are encrypted in the settings and deployed-spec columns, git URL
 * credentials in the source column, and decrypted on read.
 */
export class ServicesRepository {
  constructor(private readonly ctx: StoreContext) {}

  async createService(input: NewService): Promise<Service> {
    const now = nowIso(this.ctx);
    const id = randomUUID();
    const service: Service = {
      id,
      environmentId: input.environmentId,
      name: input.name,
      ...agreeing(id, input.type, input.source),
      settings: input.settings,
      status: 'READY',
      statusMessage: null,
      deployedVersion: null,
      targetVersion: null,
      deployedSpecHash: null,
      deployedSpec: null,
      deployedSpecDigest: null,
      deployedConfigDigest: null,
      stageId: null,
      skipEnvironmentActions: false,
      createdAt: now,
      updatedAt: now,
    };
    await this.uniqueName(input.name, () =>
      this.ctx.db
        .insertInto('services')
        .values({
          id: service.id,
          environment_id: service.environmentId,
          name: service.name,
          type: service.type,
          source: JSON.stringify(sealGitUrl(service.source, service.id, this.ctx.secrets)),
          settings: JSON.stringify(this.seal(service.settings, service.id)),
          status: service.status,
          status_message: null,
          deployed_version: null,
          target_version: null,
          deployed_spec_hash: null,
          deployed_spec_digest: null,
          deployed_config_digest: null,
          stage_id: null,
          skip_environment_actions: this.ctx.flavor.bool(false),
          created_at: now,
          updated_at: now,
        })
        .execute(),
    );
    return service;
  }

  async listServicesOfType(type: ServiceType): Promise<Service[]> {
    const rows = await selectServices(this.ctx.db).where('services.type', '=', type).orderBy('services.created_at').execute();
    return rows.map((r) => this.toService(r));
  }

  async serviceIdsNotReady(): Promise<string[]> {
    const rows = await this.ctx.db.selectFrom('services').select('id').where('status', '!=', 'READY').execute();
    return rows.map((row) => row.id);
  }

  async listServices(environmentId: string): Promise<Service[]> {
    const rows = await servicesOfEnvironment(this.ctx, environmentId);
    return rows.map((r) => this.toService(r));
  }

  async listServiceSummaries(environmentId: string): Promise<ServiceSummary[]> {
    const rows = await serviceSummariesOfEnvironment(this.ctx, environmentId);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      ...this.typedSourceOf(r),
      settings: this.settingsOf(r),
      status: r.status as DeploymentStatus,
      deployedVersion: r.deployed_version,
      targetVersion: r.target_version,
      deployedConfigDigest: r.deployed_config_digest,
    }));
  }

  async deployedSpecsOf(serviceIds: readonly string[]): Promise<Map<string, DeployedSpec>> {
    const specs = new Map<string, DeployedSpec>();
    if (serviceIds.length === 0) return specs;
    const rows = await this.ctx.db.selectFrom('service_deployed_specs').select(['service_id', 'spec']).where('service_id', 'in', [...serviceIds]).execute();
    for (const r of rows) specs.set(r.service_id, openDeployedSpec(this.ctx.secrets, r.spec, r.service_id));
    return specs;
  }

  async listServiceStates(environmentId: string): Promise<ServiceState[]> {
    const rows = await serviceStatesOfEnvironment(this.ctx, environmentId);
    return rows.map((r) => ({ id: r.id, status: r.status as DeploymentStatus, skipEnvironmentActions: Boolean(r.skip_environment_actions) }));
  }

  async getService(id: string): Promise<Service | undefined> {
    const row = await selectServices(this.ctx.db).where('services.id', '=', id).executeTakeFirst();
    return row && this.toService(row);
  }

  async updateService(id: string, patch: ServicePatch): Promise<Service> {
    const values: Updateable<ServicesTable> = { updated_at: nowIso(this.ctx) };
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.source !== undefined) values.source = JSON.stringify(sealGitUrl(patch.source, id, this.ctx.secrets));
    if (patch.settings !== undefined) values.settings = JSON.stringify(this.seal(patch.settings, id));
    if (patch.stageId !== undefined) values.stage_id = patch.stageId;
    if (patch.targetVersion !== undefined) values.target_version = patch.targetVersion;
    if (patch.skipEnvironmentActions !== undefined) {
      values.skip_environment_actions = this.ctx.flavor.bool(patch.skipEnvironmentActions);
    }
    const result = await this.uniqueName(patch.name ?? '', () =>
      this.ctx.db.updateTable('services').set(values).where('id', '=', id).executeTakeFirst(),
    );
    if (toNumber(result.numUpdatedRows) === 0) throw notFound('service', id);
    return this.requireService(id);
  }

  /**
   * Seals the git URL credentials an older Slipway stored in clear; run at each start (a row
   * already sealed is left as it is). Answers how many rows it sealed.
   */
  async sealStoredGitUrls(): Promise<number> {
    const rows = await this.ctx.db.selectFrom('services').select(['id', 'source']).where('type', 'in', ['application', 'job']).execute();
    let sealed = 0;
    for (const row of rows) {
      const source = parseJson<ServiceSource>(row.source);
      if (!hasClearGitCredentials(source)) continue;
      await this.ctx.db
        .updateTable('services')
        .set({ source: JSON.stringify(sealGitUrl(source, row.id, this.ctx.secrets)) })
        .where('id', '=', row.id)
        // Only the row as read: a concurrent write (already sealed) wins.
        .where('source', '=', typeof row.source === 'string' ? row.source : JSON.stringify(row.source))
        .execute();
      sealed++;
    }
    return sealed;
  }

  /**
   * Services deployed before migration 0012 get the config digest of their deployed spec (one
   * decrypt each, once): until then a read of their pending changes decrypts the spec every
   * time.
   */
  async recordMissingConfigDigests(): Promise<void> {
    const rows = await this.ctx.db
      .selectFrom('services')
      .innerJoin('service_deployed_specs', 'service_deployed_specs.service_id', 'services.id')
      .select(['services.id', 'services.deployed_spec_digest', 'service_deployed_specs.spec'])
      .where('services.deployed_config_digest', 'is', null)
      .execute();
    for (const row of rows) {
      let spec: DeployedSpec;
      try {
        spec = openDeployedSpec(this.ctx.secrets, row.spec, row.id);
      } catch {
        // Left as it is: a read of that spec fails as it did, and the store still opens.
        continue;
      }
      await this.ctx.db
        .updateTable('services')
        .set({ deployed_config_digest: configDigest(spec) })
        .where('id', '=', row.id)
        // Only the deploy as read: one recorded meanwhile wrote its own digest.
        .where((eb) => (row.deployed_spec_digest === null ? eb('deployed_spec_digest', 'is', null) : eb('deployed_spec_digest', '=', row.deployed_spec_digest)))
        .where('deployed_config_digest', 'is', null)
        .execute();
    }
  }

  async deleteService(id: string): Promise<void> {
    await this.ctx.db.deleteFrom('services').where('id', '=', id).execute();
  }

  /**
   * Compare-and-set on the status read: two writers cannot both pass the transition check
   * from the same status, the second one re-reads and is checked against the new status.
   */
  async setServiceStatus(id: string, status: DeploymentStatus, message: string | null = null): Promise<Service> {
    for (let attempt = 0; attempt < MAX_STATUS_ATTEMPTS; attempt++) {
      const current = await this.ctx.db.selectFrom('services').select('status').where('id', '=', id).executeTakeFirst();
      if (!current) throw notFound('service', id);
      const from = current.status as DeploymentStatus;
      assertTransition(from, status);
      const result = await this.ctx.db
        .updateTable('services')
        .set({ status, status_message: message, updated_at: nowIso(this.ctx) })
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      if (toNumber(result.numUpdatedRows) === 1) return this.requireService(id);
    }
    throw new Error(`the status of service ${id} kept changing under concurrent writers`);
  }

  /**
   * Moves a service from the status its writer knows to the next, in one statement: false when
   * the service is no longer in `from` (then setServiceStatus, which reads it first, decides).
   */
  async moveServiceStatus(id: string, from: DeploymentStatus, to: DeploymentStatus, message: string | null): Promise<boolean> {
    assertTransition(from, to);
    const result = await this.ctx.db
      .updateTable('services')
      .set({ status: to, status_message: message, updated_at: nowIso(this.ctx) })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return toNumber(result.numUpdatedRows) === 1;
  }

  /** The service's deployed version, hash and digest, and its spec in its own table, together. */
  async setDeployedState(id: string, state: DeployedState): Promise<void> {
    await this.ctx.db.transaction().execute((trx) => writeDeployedStates(trx, this.ctx, [{ serviceId: id, state }]));
  }

  async setTargetVersion(id: string, version: string | null): Promise<void> {
    await this.ctx.db
      .updateTable('services')
      .set({ target_version: version, updated_at: nowIso(this.ctx) })
      .where('id', '=', id)
      .execute();
  }

  private async requireService(id: string): Promise<Service> {
    const service = await this.getService(id);
    if (!service) throw notFound('service', id);
    return service;
  }

  private async uniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (this.ctx.flavor.isUniqueViolation(error)) {
        throw conflict(`a service named ${name} already exists in this environment`);
      }
      throw error;
    }
  }

  private seal(settings: ServiceSettings, serviceId: string): ServiceSettings {
    if (!Array.isArray(settings.env)) return settings;
    return {
      ...settings,
      env: settings.env.map((v) => (v.secret ? { ...v, value: this.ctx.secrets.encrypt(v.value, secretContext(serviceId)) } : v)),
    };
  }

  private unseal(settings: ServiceSettings, serviceId: string): ServiceSettings {
    if (!Array.isArray(settings.env)) return settings;
    return {
      ...settings,
      env: settings.env.map((v) => (v.secret ? { ...v, value: this.ctx.secrets.decrypt(v.value, secretContext(serviceId)) } : v)),
    };
  }

  private typedSourceOf(row: Pick<Selectable<ServicesTable>, 'id' | 'type' | 'source'>): TypedSource {
    return agreeing(row.id, row.type, unsealGitUrl(parseJson<ServiceSource>(row.source), row.id, this.ctx.secrets));
  }

  private settingsOf(row: Pick<Selectable<ServicesTable>, 'id' | 'settings'>): ServiceSettings {
    return this.unseal(parseJson<ServiceSettings>(row.settings), row.id);
  }

  private toService(row: Selectable<ServicesTable> & { deployed_spec: string | null }): Service {
    const sealedSpec = row.deployed_spec;
    const secrets = this.ctx.secrets;
    // Decrypted and parsed when first read: the engine's redeploy without changes compares
    // digests (recordsDeploy), and pending changes compare the config digest first; neither
    // reads it. An accessor of the object itself, so that spreads, JSON and comparisons (which
    // read it) carry it like any other field.
    let deployedSpec: DeployedSpec | null | undefined;
    return {
      id: row.id,
      environmentId: row.environment_id,
      name: row.name,
      ...this.typedSourceOf(row),
      settings: this.settingsOf(row),
      status: row.status as DeploymentStatus,
      statusMessage: row.status_message,
      deployedVersion: row.deployed_version,
      targetVersion: row.target_version,
      deployedSpecHash: row.deployed_spec_hash,
      get deployedSpec(): DeployedSpec | null {
        // undefined: not read yet (null is a known "none").
        if (deployedSpec === undefined) deployedSpec = sealedSpec === null ? null : openDeployedSpec(secrets, sealedSpec, row.id);
        return deployedSpec;
      },
      set deployedSpec(value: DeployedSpec | null) {
        deployedSpec = value;
      },
      deployedSpecDigest: row.deployed_spec_digest,
      deployedConfigDigest: row.deployed_config_digest,
      stageId: row.stage_id,
      skipEnvironmentActions: Boolean(row.skip_environment_actions),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

/** Services with their sealed deployed spec (decrypted only when read: toService). */
function selectServices(db: Kysely<Database>) {
  return db
    .selectFrom('services')
    .leftJoin('service_deployed_specs', 'service_deployed_specs.service_id', 'services.id')
    .selectAll('services')
    .select('service_deployed_specs.spec as deployed_spec');
}

const servicesOfEnvironment = compiledOnce((db, environmentId: string) =>
  selectServices(db).where('services.environment_id', '=', environmentId).orderBy('services.created_at').orderBy('services.name'),
);

/** An environment list reads this for each of its environments. */
const serviceStatesOfEnvironment = compiledOnce((db, environmentId: string) =>
  db.selectFrom('services').select(['id', 'status', 'skip_environment_actions']).where('environment_id', '=', environmentId).orderBy('created_at').orderBy('name'),
);

/** Only the columns a ServiceSummary needs: about half the cost of every column on SQLite. */
const serviceSummariesOfEnvironment = compiledOnce((db, environmentId: string) =>
  db
    .selectFrom('services')
    .select(['id', 'name', 'type', 'source', 'settings', 'status', 'deployed_version', 'target_version', 'deployed_config_digest'])
    .where('environment_id', '=', environmentId)
    .orderBy('created_at')
    .orderBy('name'),
);

/**
 * Compare-and-set of services' status: arguments (to, message, updated at, from, ...ids); the
 * ids of those that were in `from`. The engine's journal moves services in batches of any size:
 * built and compiled once per id count.
 */
export const moveStatusOf = compiledPerShape((db, [to, message, updatedAt, from, ...ids]) =>
  db
    .updateTable('services')
    .set({ status: to!, status_message: message!, updated_at: updatedAt! })
    .where('id', 'in', ids)
    .where('status', '=', from!)
    .returning('id'),
);

/**
 * A service's type with its source, refused when they disagree: a row written by hand or by a
 * bug would otherwise reach code that trusts the type to say what the source is.
 */
function agreeing(serviceId: string, type: string, source: ServiceSource): TypedSource {
  const typed = typedSource(type, source);
  // The source itself stays out of the message: it may hold git credentials.
  if (!typed) throw new Error(`service ${serviceId}: its source is not one a service of type ${type} takes`);
  return typed;
}

/** Binds a secret's ciphertext to its service: copied to another row, it does not decrypt. */
function secretContext(serviceId: string): string {
  return `service:${serviceId}:env`;
}
