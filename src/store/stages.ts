import { randomUUID } from 'node:crypto';
import type { Stage } from '../domain/index.js';
import type { StoreContext } from './context.js';

/**
 * User-defined stages of an environment (docs/queue-and-cancel.md#stages); the default stages are
 * the domain's, not stored.
 */
export class StagesRepository {
  constructor(private readonly ctx: StoreContext) {}

  async createStage(input: { environmentId: string; name: string; order: number }): Promise<Stage> {
    const stage: Stage = { id: randomUUID(), name: input.name, order: input.order };
    await this.ctx.db
      .insertInto('stages')
      .values({ id: stage.id, environment_id: input.environmentId, name: stage.name, sort_order: stage.order })
      .execute();
    return stage;
  }

  async getStage(id: string): Promise<(Stage & { environmentId: string }) | undefined> {
    const row = await this.ctx.db.selectFrom('stages').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, name: row.name, order: row.sort_order, environmentId: row.environment_id } : undefined;
  }

  async updateStage(id: string, patch: { name?: string; order?: number }): Promise<void> {
    const values: { name?: string; sort_order?: number } = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.order !== undefined) values.sort_order = patch.order;
    if (Object.keys(values).length === 0) return;
    await this.ctx.db.updateTable('stages').set(values).where('id', '=', id).execute();
  }

  /** Its services go back to their type's default stage. */
  async deleteStage(id: string): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      await tx.updateTable('services').set({ stage_id: null }).where('stage_id', '=', id).execute();
      await tx.deleteFrom('stages').where('id', '=', id).execute();
    });
  }
}
