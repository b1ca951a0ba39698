import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { DomainError } from '../domain/index.js';
import { nowIso, type StoreContext } from './context.js';
import type { AuditEventsTable } from './database.js';
import { parseJson, toNumber } from './dialect.js';
import type { AuditEvent, AuditFilter, Page } from './store.js';

const MAX_PAGE = 500;

/** The audit log (docs/teams.md#audit-log): appended by the API, read newest first. */
export class AuditRepository {
  constructor(private readonly ctx: StoreContext) {}

  async recordAudit(event: Omit<AuditEvent, 'id' | 'at'>): Promise<void> {
    await this.ctx.db
      .insertInto('audit_events')
      .values({
        id: randomUUID(),
        at: nowIso(this.ctx),
        token_id: event.tokenId,
        token_name: event.tokenName,
        action: event.action,
        resource_type: event.resourceType,
        resource_id: event.resourceId,
        project_id: event.projectId,
        fields: JSON.stringify(event.fields),
        method: event.method,
        path: event.path,
        status_code: event.statusCode,
      })
      .execute();
  }

  /** Newest first; the cursor is the opaque base64url of the last item's seq. */
  async listAudit(filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<Page<AuditEvent>> {
    const limit = Math.min(Math.max(1, Math.floor(page.limit)), MAX_PAGE);
    let query = this.ctx.db.selectFrom('audit_events').selectAll();
    if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId);
    if (filter.projectIds !== undefined) {
      if (filter.projectIds.length === 0) return { items: [] };
      query = query.where('project_id', 'in', [...filter.projectIds]);
    }
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('at', '<=', filter.until);
    if (filter.tokenName !== undefined) query = query.where('token_name', '=', filter.tokenName);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (filter.resourceType !== undefined) query = query.where('resource_type', '=', filter.resourceType);
    if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
    if (page.cursor !== undefined) query = query.where('seq', '<', decodeCursor(page.cursor));
    const rows = await query.orderBy('seq', 'desc').limit(limit + 1).execute();
    const items = rows.slice(0, limit);
    const last = rows.length > limit ? items[items.length - 1] : undefined;
    return { items: items.map(toAuditEvent), ...(last ? { nextCursor: encodeCursor(toNumber(last.seq)) } : {}) };
  }
}

function toAuditEvent(r: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    tokenId: r.token_id,
    tokenName: r.token_name,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    projectId: r.project_id,
    fields: parseJson<string[]>(r.fields),
    method: r.method,
    path: r.path,
    statusCode: toNumber(r.status_code),
  };
}

function encodeCursor(seq: number): string {
  return Buffer.from(`audit:${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^audit:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new DomainError('VALIDATION_FAILED', 'the cursor is not one this server gave');
  return Number(match[1]);
}
