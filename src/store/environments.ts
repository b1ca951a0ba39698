import { randomUUID } from 'node:crypto';
import type { Environment, EnvironmentSettings, RuntimeKind, Stage } from '../domain/index.js';
import { parseJson } from './dialect.js';
import { conflict, nowIso, type StoreContext } from './context.js';
import type { EnvironmentsTable } from './database.js';
import type { Selectable } from 'kysely';

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
          settings: JSON.stringify(environment.settings),
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
    return rows.map(toEnvironment);
  }

  async getEnvironment(id: string): Promise<Environment | undefined> {
    const row = await this.ctx.db.selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toEnvironment(row);
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

function toEnvironment(row: Selectable<EnvironmentsTable>): Environment {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    runtime: row.runtime as RuntimeKind,
    settings: parseJson<EnvironmentSettings>(row.settings),
    createdAt: row.created_at,
  };
}
