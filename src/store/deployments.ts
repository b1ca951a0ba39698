import type {
  DeploymentStatus,
  ServiceType,
  StepName,
  StepStatus,
} from '../domain/index.js';
import { DomainError } from '../domain/index.js';
import { compiledOnce, compiledPerShape, rowsOf, slotAs } from './compiled-once.js';
import { notFound, nowIso, type StoreContext } from './context.js';
import { toDeployment } from './deployment-row.js';
import { toNumber } from './dialect.js';
import { openDeployedSpec } from './deployed-states.js';
import { stageStatus } from './stage-status.js';
import type { DeployedServiceRecord, Deployment, DeploymentDetail, DeploymentServiceRecord, Page } from './store.js';

const MAX_PAGE = 500;

/** Deployment history and records: which services a deployment touched, their steps. */
export class DeploymentsRepository {
  constructor(private readonly ctx: StoreContext) {}

  async getDeployment(id: string): Promise<Deployment | undefined> {
    const row = await this.ctx.db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDeployment(row);
  }

  async getDeploymentDetail(id: string): Promise<DeploymentDetail | undefined> {
    const deployment = await this.getDeployment(id);
    if (!deployment) return undefined;
    const services = await this.ctx.db
      .selectFrom('deployment_services')
      .selectAll()
      .where('deployment_id', '=', id)
      .orderBy('ordinal')
      .execute();
    const steps = await this.ctx.db
      .selectFrom('deployment_steps')
      .selectAll()
      .where('deployment_id', '=', id)
      .orderBy('id')
      .execute();

    const records = new Map<string, DeploymentServiceRecord>();
    for (const s of services) {
      records.set(s.service_id, {
        serviceId: s.service_id,
        name: s.name,
        type: s.type as ServiceType,
        stageName: s.stage_name,
        stageOrder: s.stage_order,
        version: s.version,
        status: s.status as DeploymentStatus,
        steps: [],
      });
    }
    for (const step of steps) {
      records.get(step.service_id)?.steps.push({
        name: step.name as StepName,
        status: step.status as StepStatus,
        startedAt: step.started_at,
        durationMs: step.duration_ms,
        message: step.message,
      });
    }
    // Stages in the order they were recorded (Stop and Delete record them in reverse).
    const stages = new Map<string, { name: string; order: number; services: DeploymentServiceRecord[] }>();
    for (const record of records.values()) {
      const key = `${record.stageOrder}\u0000${record.stageName}`;
      let stage = stages.get(key);
      if (!stage) {
        stage = { name: record.stageName, order: record.stageOrder, services: [] };
        stages.set(key, stage);
      }
      stage.services.push(record);
    }
    return {
      ...deployment,
      stages: [...stages.values()].map((stage) => ({
        name: stage.name,
        order: stage.order,
        status: stageStatus(stage.services.map((s) => s.status)),
        services: stage.services,
      })),
    };
  }

  /**
   * Newest first. The cursor is the opaque base64url of the last item's seq. A service's
   * history holds the deployments that touched it or whose request named it.
   */
  async listDeployments(
    filter: { environmentId?: string; serviceId?: string },
    page: { limit: number; cursor?: string },
  ): Promise<Page<Deployment>> {
    const limit = Math.min(Math.max(1, Math.floor(page.limit)), MAX_PAGE);
    let query = this.ctx.db.selectFrom('deployments as d').selectAll('d');
    if (filter.environmentId !== undefined) query = query.where('d.environment_id', '=', filter.environmentId);
    if (filter.serviceId !== undefined) {
      const serviceId = filter.serviceId;
      // Ids are UUIDs; anything else could carry LIKE wildcards and matches no request anyway.
      const likePattern = /^[A-Za-z0-9-]+$/.test(serviceId) ? `%,${serviceId},%` : null;
      query = query.where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('deployment_services as ds')
              .select('ds.service_id')
              .whereRef('ds.deployment_id', '=', 'd.id')
              .where('ds.service_id', '=', serviceId),
          ),
          ...(likePattern ? [eb('d.request_services', 'like', likePattern)] : []),
        ]),
      );
    }
    if (page.cursor !== undefined) query = query.where('d.seq', '<', decodeCursor(page.cursor));
    const rows = await query.orderBy('d.seq', 'desc').limit(limit + 1).execute();
    const items = rows.slice(0, limit);
    const last = rows.length > limit ? items[items.length - 1] : undefined;
    return {
      items: items.map(toDeployment),
      ...(last ? { nextCursor: encodeCursor(toNumber(last.seq)) } : {}),
    };
  }

  async deploymentServiceNames(deploymentIds: readonly string[]): Promise<Map<string, Array<{ serviceId: string; name: string }>>> {
    const names = new Map<string, Array<{ serviceId: string; name: string }>>();
    if (deploymentIds.length === 0) return names;
    const rows = await this.ctx.db
      .selectFrom('deployment_services')
      .select(['deployment_id', 'service_id', 'name'])
      .where('deployment_id', 'in', [...deploymentIds])
      .orderBy('deployment_id')
      .orderBy('ordinal')
      .execute();
    for (const row of rows) names.set(row.deployment_id, [...(names.get(row.deployment_id) ?? []), { serviceId: row.service_id, name: row.name }]);
    return names;
  }

  /** Records (or re-records) the services of a started deployment, keeping the order given. */
  async recordDeploymentServices(deploymentId: string, services: Array<Omit<DeploymentServiceRecord, 'steps'>>): Promise<void> {
    if (services.length === 0) return;
    const [existing] = await servicesRecordedIn(this.ctx, deploymentId);
    const base = toNumber(existing!.n as number | string | bigint);
    await upsertDeploymentServices(
      this.ctx,
      services.flatMap((s, i) => [deploymentId, s.serviceId, base + i, s.name, s.type, s.stageName, s.stageOrder, s.version, s.status]),
    );
  }

  /**
   * A service that ends DEPLOYED here has its deploy's version and spec digest copied beside it
   * (a deploy writes them to the service before it moves to DEPLOYED; the spec is in
   * deployed_specs by that digest): what a rollback to this deployment puts back.
   */
  async setDeploymentServiceStatus(deploymentId: string, serviceId: string, status: DeploymentStatus): Promise<void> {
    const deployedVersion = this.ctx.db.selectFrom('services').select('deployed_version').where('id', '=', serviceId);
    const deployedSpecDigest = this.ctx.db.selectFrom('services').select('deployed_spec_digest').where('id', '=', serviceId);
    await this.ctx.db
      .updateTable('deployment_services')
      .set(status === 'DEPLOYED' ? { status, deployed_version: deployedVersion, deployed_spec_digest: deployedSpecDigest } : { status })
      .where('deployment_id', '=', deploymentId)
      .where('service_id', '=', serviceId)
      .execute();
  }

  /** The services this deployment deployed, with their version and spec, in the order recorded. */
  async deployedServicesOf(deploymentId: string): Promise<DeployedServiceRecord[]> {
    const rows = await this.ctx.db
      .selectFrom('deployment_services')
      .leftJoin('deployed_specs', (join) =>
        join.onRef('deployed_specs.service_id', '=', 'deployment_services.service_id').onRef('deployed_specs.digest', '=', 'deployment_services.deployed_spec_digest'),
      )
      .select(['deployment_services.service_id', 'name', 'type', 'deployed_version'])
      // Records written before migration 0011 hold a copy of the spec; later ones name it by digest.
      .select((eb) => eb.fn.coalesce('deployment_services.deployed_spec', 'deployed_specs.spec').as('deployed_spec'))
      .where('deployment_id', '=', deploymentId)
      .where('status', '=', 'DEPLOYED')
      .orderBy('ordinal')
      .execute();
    return rows.map((row) => ({
      serviceId: row.service_id,
      name: row.name,
      type: row.type as ServiceType,
      version: row.deployed_version,
      spec: row.deployed_spec === null ? null : openDeployedSpec(this.ctx.secrets, row.deployed_spec, row.service_id),
    }));
  }

  async startStep(deploymentId: string, serviceId: string, name: StepName, message?: string): Promise<string> {
    const row = await this.ctx.db
      .insertInto('deployment_steps')
      .values({
        deployment_id: deploymentId,
        service_id: serviceId,
        name,
        status: 'RUNNING',
        started_at: nowIso(this.ctx),
        ended_at: null,
        duration_ms: null,
        message: message ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return String(toNumber(row.id));
  }

  /** Ends a step; `message` undefined keeps the one it started with. One statement: the duration is computed in SQL. */
  async finishStep(stepId: string, status: StepStatus, message?: string | null): Promise<void> {
    const id = Number(stepId);
    if (!Number.isSafeInteger(id)) throw notFound('step', stepId);
    const ended = nowIso(this.ctx);
    const result = await this.ctx.db
      .updateTable('deployment_steps')
      .set({
        status,
        ended_at: ended,
        duration_ms: this.ctx.flavor.millisSince('started_at', ended),
        ...(message !== undefined ? { message } : {}),
      })
      .where('id', '=', id)
      .executeTakeFirst();
    if (toNumber(result.numUpdatedRows) === 0) throw notFound('step', stepId);
  }
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new DomainError('VALIDATION_FAILED', 'the cursor is not one this server gave');
  return Number(match[1]);
}

// Every deployment records its services, and the journal opens their steps in batches: built and
// compiled once per row count (compiled-once.ts).

const servicesRecordedIn = compiledOnce((db, deploymentId: string) =>
  db.selectFrom('deployment_services').select((eb) => eb.fn.countAll().as('n')).where('deployment_id', '=', deploymentId),
);

const upsertDeploymentServices = compiledPerShape((db, slots) =>
  db
    .insertInto('deployment_services')
    .values(
      rowsOf(slots, 9).map(([deployment_id, service_id, ordinal, name, type, stage_name, stage_order, version, status]) => ({
        deployment_id,
        service_id,
        ordinal: slotAs<number>(ordinal),
        name,
        type,
        stage_name,
        stage_order: slotAs<number>(stage_order),
        version,
        status,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['deployment_id', 'service_id']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        type: eb.ref('excluded.type'),
        stage_name: eb.ref('excluded.stage_name'),
        stage_order: eb.ref('excluded.stage_order'),
        version: eb.ref('excluded.version'),
        status: eb.ref('excluded.status'),
      })),
    ),
);

/** Rows of (deployment id, service id, name, status, started at, ended at, duration, message): their ids. */
export const insertSteps = compiledPerShape((db, slots) =>
  db
    .insertInto('deployment_steps')
    .values(
      rowsOf(slots, 8).map(([deployment_id, service_id, name, status, started_at, ended_at, duration_ms, message]) => ({
        deployment_id,
        service_id,
        name,
        status,
        started_at,
        ended_at,
        duration_ms: slotAs<number | null>(duration_ms),
        message,
      })),
    )
    .returning(['id', 'service_id']),
);
