import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { DeliveryStatus, DeploymentRunStatus, Notification, NotificationEvent, NotificationFormat } from '../domain/index.js';
import { conflict, nowIso, type StoreContext } from './context.js';
import type { NotificationDeliveriesTable, NotificationsTable } from './database.js';
import { parseJson, toNumber } from './dialect.js';
import type { ClaimedDelivery, NewNotification, NotificationDelivery, NotificationTry } from './store.js';

/**
 * Notifications and their outbox (docs/notifications.md). The outbox is claimed like the
 * queue: one UPDATE takes a due row whose lease is free or expired, so two processes never
 * hold one delivery, and a process that died leaves its row to the next after the lease.
 */
export class NotificationsRepository {
  constructor(private readonly ctx: StoreContext) {}

  async createNotification(input: NewNotification): Promise<Notification> {
    const id = randomUUID();
    const row = {
      id,
      project_id: input.projectId,
      name: input.name,
      // A webhook URL often is the credential (Slack's path is): sealed like the secret.
      url: this.ctx.secrets.encrypt(input.url, urlContext(id)),
      events: JSON.stringify(input.events),
      format: input.format,
      secret: input.secret === undefined ? null : this.ctx.secrets.encrypt(input.secret, secretContext(id)),
      created_at: nowIso(this.ctx),
    };
    try {
      await this.ctx.db.insertInto('notifications').values(row).execute();
    } catch (error) {
      if (this.ctx.flavor.isUniqueViolation(error)) throw conflict(`a notification named ${input.name} already exists in this project`);
      throw error;
    }
    return this.toNotification({ ...row, events: input.events });
  }

  async listNotifications(projectId: string): Promise<Notification[]> {
    const rows = await this.ctx.db.selectFrom('notifications').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('name').execute();
    return rows.map((row) => this.toNotification(row));
  }

  async getNotification(id: string): Promise<Notification | undefined> {
    const row = await this.ctx.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.toNotification(row);
  }

  async deleteNotification(id: string): Promise<boolean> {
    const result = await this.ctx.db.deleteFrom('notifications').where('id', '=', id).executeTakeFirst();
    return toNumber(result.numDeletedRows) > 0;
  }

  async endedDeploymentsToNotify(since: string): Promise<Array<{ deploymentId: string; projectId: string; status: DeploymentRunStatus; endedAt: string }>> {
    const rows = await this.ctx.db
      .selectFrom('deployments as d')
      .innerJoin('environments as e', 'e.id', 'd.environment_id')
      .select(['d.id', 'e.project_id', 'd.status', 'd.ended_at'])
      .where('d.ended_at', '>=', since)
      .where((eb) => eb.exists(eb.selectFrom('notifications as n').select('n.id').whereRef('n.project_id', '=', 'e.project_id')))
      .orderBy('d.ended_at')
      .execute();
    return rows.map((row) => ({ deploymentId: row.id, projectId: row.project_id, status: row.status as DeploymentRunStatus, endedAt: row.ended_at ?? since }));
  }

  async enqueueDelivery(input: { notificationId: string; event: NotificationEvent; eventKey: string; payload: string }): Promise<boolean> {
    const now = nowIso(this.ctx);
    const inserted = await this.ctx.db
      .insertInto('notification_deliveries')
      .values({
        id: randomUUID(),
        notification_id: input.notificationId,
        event: input.event,
        event_key: input.eventKey,
        payload: input.payload,
        status: 'PENDING',
        tries: 0,
        next_try_at: now,
        lease_owner: null,
        lease_expires_at: null,
        created_at: now,
        ended_at: null,
      })
      .onConflict((oc) => oc.columns(['notification_id', 'event_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /**
   * One UPDATE leases the oldest due row whose lease is free or ran out, and only if that still
   * holds when it writes: of two processes racing for it, one updates it, the other nothing.
   */
  async claimDelivery(owner: string, leaseMs: number): Promise<ClaimedDelivery | undefined> {
    const now = this.ctx.now();
    const nowText = now.toISOString();
    const due = await this.ctx.db
      .selectFrom('notification_deliveries')
      .select('id')
      .where('status', '=', 'PENDING')
      .where('next_try_at', '<=', nowText)
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', nowText)]))
      .orderBy('next_try_at')
      .limit(1)
      .executeTakeFirst();
    if (!due) return undefined;
    const claimed = await this.ctx.db
      .updateTable('notification_deliveries')
      .set({ lease_owner: owner, lease_expires_at: new Date(now.getTime() + leaseMs).toISOString() })
      .where('id', '=', due.id)
      .where('status', '=', 'PENDING')
      .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', nowText)]))
      .returningAll()
      .executeTakeFirst();
    if (!claimed) return undefined;
    const notification = await this.ctx.db.selectFrom('notifications').select(['url', 'secret']).where('id', '=', claimed.notification_id).executeTakeFirst();
    if (!notification) return undefined;
    return {
      ...toDelivery(claimed),
      url: this.ctx.secrets.decrypt(notification.url, urlContext(claimed.notification_id)),
      secret: notification.secret === null ? null : this.ctx.secrets.decrypt(notification.secret, secretContext(claimed.notification_id)),
    };
  }

  async recordTry(deliveryId: string, owner: string, tried: NotificationTry, next: { status: DeliveryStatus; nextTryAt: string | null }): Promise<boolean> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('notification_deliveries')
        .set((eb) => ({
          status: next.status,
          tries: eb('tries', '+', 1),
          next_try_at: next.nextTryAt ?? nowIso(this.ctx),
          lease_owner: null,
          lease_expires_at: null,
          ended_at: next.status === 'PENDING' ? null : nowIso(this.ctx),
        }))
        .where('id', '=', deliveryId)
        .where('lease_owner', '=', owner)
        .where('status', '=', 'PENDING')
        .executeTakeFirst();
      if (toNumber(updated.numUpdatedRows) === 0) return false;
      await trx
        .insertInto('notification_tries')
        .values({
          delivery_id: deliveryId,
          number: tried.number,
          started_at: tried.startedAt,
          duration_ms: tried.durationMs,
          status_code: tried.statusCode,
          error: tried.error,
        })
        .execute();
      return true;
    });
  }

  async listDeliveries(notificationId: string, limit: number): Promise<Array<NotificationDelivery & { tryLog: NotificationTry[] }>> {
    const rows = await this.ctx.db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('notification_id', '=', notificationId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    if (rows.length === 0) return [];
    const tries = await this.ctx.db
      .selectFrom('notification_tries')
      .selectAll()
      .where(
        'delivery_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      ...toDelivery(row),
      tryLog: tries
        .filter((t) => t.delivery_id === row.id)
        .map((t) => ({ number: t.number, startedAt: t.started_at, durationMs: t.duration_ms, statusCode: t.status_code, error: t.error })),
    }));
  }

  private toNotification(row: Omit<Selectable<NotificationsTable>, 'events'> & { events: unknown }): Notification {
    return {
      id: row.id,
      projectId: row.project_id,
      name: row.name,
      url: this.ctx.secrets.decrypt(row.url, urlContext(row.id)),
      events: parseJson<NotificationEvent[]>(row.events),
      format: row.format as NotificationFormat,
      signed: row.secret !== null,
      createdAt: row.created_at,
    };
  }
}

function toDelivery(row: Selectable<NotificationDeliveriesTable>): NotificationDelivery {
  return {
    id: row.id,
    notificationId: row.notification_id,
    event: row.event as NotificationEvent,
    payload: row.payload,
    status: row.status as DeliveryStatus,
    tries: toNumber(row.tries),
    nextTryAt: row.next_try_at,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}

function urlContext(notificationId: string): string {
  return `notification:${notificationId}:url`;
}

/** Binds the sealed secret to its notification: copied to another row, it does not decrypt. */
function secretContext(notificationId: string): string {
  return `notification:${notificationId}:secret`;
}
