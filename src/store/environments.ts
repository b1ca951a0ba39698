import { randomUUID } from 'node:crypto';
import type { Environment, EnvironmentPreview, EnvironmentSettings, RuntimeKind, Stage } from '../domain/index.js';
import { parseJson } from './dialect.js';
import { compiledOnce } from './compiled-once.js';
import { conflict, notFound, nowIso, type StoreContext } from './context.js';
import type { EnvironmentsTable } from './database.js';
import type { Selectable, Updateable } from 'kysely';

const environmentById = compiledOnce((db, id: string) => db.selectFrom('environments').selectAll().where('id', '=', id));

/** Environments and their user-defined stages. */
export class EnvironmentsRepository {
  constructor(private readonly ctx: StoreContext) {}

  async createEnvironment(input: {
    projectId: string;
    name: string;
    runtime: RuntimeKind;
    settings: EnvironmentSettings;
  }): Promise<Environment> {
    const environment: Environment = {
      id: randomUUID(),
      projectId: input.projectId,
      name: input.name,
      runtime: input.runtime,
      settings: input.settings,
      createdAt: nowIso(this.ctx),
    };
    try {
      await this.ctx.db
        .insertInto('environments')
        .values({
          id: environment.id,
          project_id: environment.projectId,
          name: environment.name,
          runtime: environment.runtime,
          settings: JSON.stringify(sealSettings(this.ctx, environment.settings, environment.id)),
          created_at: environment.createdAt,
        })
        .execute();
    } catch (error) {
      if (this.ctx.flavor.isUniqueViolation(error)) {
        throw conflict(`an environment named ${input.name} already exists in this project`);
      }
      throw error;
    }
    return environment;
  }

  async listEnvironments(projectId: string): Promise<Environment[]> {
    const rows = await this.ctx.db
      .selectFrom('environments')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('created_at')
      .orderBy('name')
      .execute();
    return rows.map((row) => toEnvironment(this.ctx, row));
  }

  async getEnvironment(id: string): Promise<Environment | undefined> {
    const [row] = await environmentById(this.ctx, id);
    return row && toEnvironment(this.ctx, row);
  }

  /**
   * Renames an environment and/or changes some of its settings (merged over the stored ones).
   * The runtime never changes. The write is a compare-and-set on the settings read, so two
   * concurrent patches of different settings both land; a duplicate name is CONFLICT.
   */
  async updateEnvironment(id: string, patch: { name?: string; settings?: Partial<EnvironmentSettings> }): Promise<Environment> {
    for (;;) {
      const current = await this.ctx.db.selectFrom('environments').select(['settings']).where('id', '=', id).executeTakeFirst();
      if (!current) throw notFound('environment', id);
      const values: Updateable<EnvironmentsTable> = {};
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.settings !== undefined) {
        const sealed = patch.settings.kubeconfig !== undefined ? { ...patch.settings, kubeconfig: sealKubeconfig(this.ctx, patch.settings.kubeconfig, id) } : patch.settings;
        values.settings = JSON.stringify({ ...parseJson<EnvironmentSettings>(current.settings), ...definedOnly(sealed) });
      }
      if (Object.keys(values).length === 0) return this.requireEnvironment(id);
      // SQLite reads the text as stored; PostgreSQL reads jsonb parsed and compares jsonb semantically.
      const read = typeof current.settings === 'string' ? current.settings : JSON.stringify(current.settings);
      let updated: bigint | number;
      try {
        const result = await this.ctx.db
          .updateTable('environments')
          .set(values)
          .where('id', '=', id)
          .where('settings', '=', read)
          .executeTakeFirst();
        updated = result.numUpdatedRows;
      } catch (error) {
        if (this.ctx.flavor.isUniqueViolation(error)) {
          throw conflict(`an environment named ${patch.name ?? ''} already exists in this project`);
        }
        throw error;
      }
      if (Number(updated) > 0) return this.requireEnvironment(id);
      // Settings changed (or the row went) since the read: read again.
    }
  }

  private async requireEnvironment(id: string): Promise<Environment> {
    const env = await this.getEnvironment(id);
    if (!env) throw notFound('environment', id);
    return env;
  }

  /** Marks the environment as the preview of a pull request (docs/teams.md#preview-environments). */
  async setEnvironmentPreview(id: string, preview: EnvironmentPreview): Promise<void> {
    await this.ctx.db.updateTable('environments').set({ preview: JSON.stringify(preview) }).where('id', '=', id).execute();
  }

  /** Services, stages and host ports go with it (cascade); deployment history stays. */
  async deleteEnvironment(id: string): Promise<void> {
    await this.ctx.db.deleteFrom('environments').where('id', '=', id).execute();
  }

  async listStages(environmentId: string): Promise<Stage[]> {
    const rows = await this.ctx.db
      .selectFrom('stages')
      .select(['id', 'name', 'sort_order'])
      .where('environment_id', '=', environmentId)
      .orderBy('sort_order')
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, order: r.sort_order }));
  }
}

/** Binds an environment's sealed kubeconfig to that environment (see SecretBox). */
function kubeconfigContext(environmentId: string): string {
  return `environment:${environmentId}:kubeconfig`;
}

/** The kubeconfig is stored encrypted, like secret env values (docs/runtimes.md#credentials). */
function sealKubeconfig(ctx: StoreContext, kubeconfig: string, environmentId: string): string {
  return ctx.secrets.encrypt(kubeconfig, kubeconfigContext(environmentId));
}

function sealSettings(ctx: StoreContext, settings: EnvironmentSettings, environmentId: string): EnvironmentSettings {
  if (settings.kubeconfig === undefined) return settings;
  return { ...settings, kubeconfig: sealKubeconfig(ctx, settings.kubeconfig, environmentId) };
}

function unsealSettings(ctx: StoreContext, settings: EnvironmentSettings, environmentId: string): EnvironmentSettings {
  if (typeof settings.kubeconfig !== 'string') return settings;
  return { ...settings, kubeconfig: ctx.secrets.decrypt(settings.kubeconfig, kubeconfigContext(environmentId)) };
}

function toEnvironment(ctx: StoreContext, row: Selectable<EnvironmentsTable>): Environment {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    runtime: row.runtime as RuntimeKind,
    settings: unsealSettings(ctx, parseJson<EnvironmentSettings>(row.settings), row.id),
    createdAt: row.created_at,
    ...(row.preview !== null && row.preview !== undefined ? { preview: parseJson<EnvironmentPreview>(row.preview) } : {}),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
