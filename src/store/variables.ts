import { randomUUID } from 'node:crypto';
import type { Environment, EnvVar, ScopedVariables } from '../domain/index.js';
import { compiledOnce } from './compiled-once.js';
import type { StoreContext } from './context.js';
import type { VariableOwner } from './store.js';

/** An environment's variables and its project's, in one statement (each list in its order). */
const scopedRows = compiledOnce((db, projectId: string, environmentId: string) =>
  db
    .selectFrom('variables')
    .select(['project_id', 'key', 'value', 'secret'])
    .where((eb) => eb.or([eb('project_id', '=', projectId), eb('environment_id', '=', environmentId)]))
    .orderBy('position'),
);

/**
 * Variables shared by a project or an environment (docs/teams.md#variables). Secret values are
 * encrypted like services' secret env, bound to their owner and key: copied to another row, a
 * ciphertext does not decrypt.
 */
export class VariablesRepository {
  constructor(private readonly ctx: StoreContext) {}

  async listVariables(owner: VariableOwner): Promise<EnvVar[]> {
    const query = this.ctx.db.selectFrom('variables').select(['key', 'value', 'secret']);
    const rows = await ('projectId' in owner ? query.where('project_id', '=', owner.projectId) : query.where('environment_id', '=', owner.environmentId))
      .orderBy('position')
      .execute();
    return rows.map((r) => this.toVariable(owner, r));
  }

  private toVariable(owner: VariableOwner, r: { key: string; value: string; secret: unknown }): EnvVar {
    const secret = Boolean(r.secret);
    return { key: r.key, value: secret ? this.ctx.secrets.decrypt(r.value, secretContext(owner, r.key)) : r.value, secret };
  }

  /** One transaction: a reader sees the old list or the new one, never a mix. */
  async replaceVariables(owner: VariableOwner, variables: readonly EnvVar[]): Promise<void> {
    await this.ctx.db.transaction().execute(async (tx) => {
      const remove = tx.deleteFrom('variables');
      await ('projectId' in owner ? remove.where('project_id', '=', owner.projectId) : remove.where('environment_id', '=', owner.environmentId)).execute();
      if (variables.length === 0) return;
      await tx
        .insertInto('variables')
        .values(
          variables.map((v, position) => ({
            id: randomUUID(),
            project_id: 'projectId' in owner ? owner.projectId : null,
            environment_id: 'environmentId' in owner ? owner.environmentId : null,
            key: v.key,
            value: v.secret ? this.ctx.secrets.encrypt(v.value, secretContext(owner, v.key)) : v.value,
            secret: this.ctx.flavor.bool(v.secret),
            position,
          })),
        )
        .execute();
    });
  }

  async scopedVariables(environment: Pick<Environment, 'id' | 'projectId'>): Promise<ScopedVariables> {
    const rows = await scopedRows(this.ctx, environment.projectId, environment.id);
    const project: EnvVar[] = [];
    const own: EnvVar[] = [];
    for (const r of rows) {
      if (r.project_id !== null) project.push(this.toVariable({ projectId: environment.projectId }, r));
      else own.push(this.toVariable({ environmentId: environment.id }, r));
    }
    return { project, environment: own };
  }
}

function secretContext(owner: VariableOwner, key: string): string {
  return 'projectId' in owner ? `project:${owner.projectId}:variable:${key}` : `environment:${owner.environmentId}:variable:${key}`;
}
