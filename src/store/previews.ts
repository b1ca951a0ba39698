import type { Selectable } from 'kysely';
import type { PreviewRecord } from '../domain/index.js';
import { nowIso, type StoreContext } from './context.js';
import type { PullRequestPreviewsTable } from './database.js';
import { toNumber } from './dialect.js';

/**
 * What was last handled per pull request (docs/teams.md#preview-environments). Writes are a
 * compare-and-set on the revision read, so two deliveries of one pull request handled at once
 * (two processes) never both act: the second write is refused.
 */
export class PreviewsRepository {
  constructor(private readonly ctx: StoreContext) {}

  async getPreviewRecord(projectId: string, number: number): Promise<PreviewRecord | undefined> {
    const row = await this.ctx.db
      .selectFrom('pull_request_previews')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('number', '=', number)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Writes `record` with revision `readRevision + 1`; false when another write came first. */
  async savePreviewRecord(record: Omit<PreviewRecord, 'revision'>, readRevision: number | null): Promise<boolean> {
    const values = {
      environment_id: record.environmentId,
      branch: record.branch,
      url: record.url,
      head_sha: record.headSha,
      state: record.state,
      action: record.action,
      event_at: record.eventAt,
      message: record.message,
      updated_at: nowIso(this.ctx),
    };
    if (readRevision === null) {
      const inserted = await this.ctx.db
        .insertInto('pull_request_previews')
        .values({ project_id: record.projectId, number: record.number, revision: 1, ...values })
        .onConflict((oc) => oc.columns(['project_id', 'number']).doNothing())
        .returning('number')
        .executeTakeFirst();
      return inserted !== undefined;
    }
    const result = await this.ctx.db
      .updateTable('pull_request_previews')
      .set({ ...values, revision: readRevision + 1 })
      .where('project_id', '=', record.projectId)
      .where('number', '=', record.number)
      .where('revision', '=', readRevision)
      .executeTakeFirst();
    return toNumber(result.numUpdatedRows) > 0;
  }
}

function toRecord(r: Selectable<PullRequestPreviewsTable>): PreviewRecord {
  return {
    projectId: r.project_id,
    number: toNumber(r.number),
    environmentId: r.environment_id,
    branch: r.branch,
    url: r.url,
    headSha: r.head_sha,
    state: r.state === 'closed' ? 'closed' : 'open',
    action: r.action === 'close' || r.action === 'update' ? r.action : 'open',
    eventAt: r.event_at,
    message: r.message,
    revision: toNumber(r.revision),
  };
}
