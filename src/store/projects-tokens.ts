import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Project } from '../domain/index.js';
import { toNumber } from './dialect.js';
import { conflict, notFound, nowIso, type StoreContext } from './context.js';
import type { Role, Token } from './store.js';

/** Projects (with their webhook secret) and API tokens (only their hash is stored). */

const TOKEN_PREFIX = 'slw_';

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function webhookContext(projectId: string): string {
  return `project:${projectId}:webhook`;
}

export class ProjectsTokensRepository {
  constructor(private readonly ctx: StoreContext) {}

  async createProject(input: { name: string }): Promise<Project & { webhookSecret: string }> {
    const project: Project = { id: randomUUID(), name: input.name, createdAt: nowIso(this.ctx) };
    const webhookSecret = randomBytes(32).toString('hex');
    await this.ctx.db
      .insertInto('projects')
      .values({
        id: project.id,
        name: project.name,
        webhook_secret: this.ctx.secrets.encrypt(webhookSecret, webhookContext(project.id)),
        created_at: project.createdAt,
      })
      .execute();
    return { ...project, webhookSecret };
  }

  async listProjects(): Promise<Project[]> {
    const rows = await this.ctx.db
      .selectFrom('projects')
      .select(['id', 'name', 'created_at'])
      .orderBy('created_at')
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  async getProject(id: string): Promise<Project | undefined> {
    const r = await this.ctx.db.selectFrom('projects').select(['id', 'name', 'created_at']).where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: r.created_at };
  }

  /**
   * Renames a project. Project names have no unique index (the API refuses duplicates), so the
   * update itself checks that no other project holds the name: one statement, no gap between
   * the check and the write.
   */
  async updateProject(id: string, patch: { name: string }): Promise<Project> {
    const result = await this.ctx.db
      .updateTable('projects')
      .set({ name: patch.name })
      .where('id', '=', id)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('projects as other').select('other.id').where('other.name', '=', patch.name).where('other.id', '<>', id))),
      )
      .executeTakeFirst();
    const project = await this.getProject(id);
    if (!project) throw notFound('project', id);
    if (toNumber(result.numUpdatedRows) === 0) throw conflict(`a project named ${patch.name} already exists`);
    return project;
  }

  async getWebhookSecret(projectId: string): Promise<string | undefined> {
    const r = await this.ctx.db.selectFrom('projects').select('webhook_secret').where('id', '=', projectId).executeTakeFirst();
    return r && this.ctx.secrets.decrypt(r.webhook_secret, webhookContext(projectId));
  }

  async createToken(input: { name: string; role: Role; secret?: string }): Promise<Token & { token: string }> {
    const secret = input.secret ?? TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const token: Token = { id: randomUUID(), name: input.name, role: input.role, createdAt: nowIso(this.ctx) };
    await this.ctx.db
      .insertInto('tokens')
      .values({ id: token.id, name: token.name, role: token.role, token_hash: hashToken(secret), created_at: token.createdAt })
      .execute();
    return { ...token, token: secret };
  }

  async listTokens(): Promise<Token[]> {
    const rows = await this.ctx.db
      .selectFrom('tokens')
      .select(['id', 'name', 'role', 'created_at'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toToken);
  }

  async deleteToken(id: string): Promise<boolean> {
    const result = await this.ctx.db.deleteFrom('tokens').where('id', '=', id).executeTakeFirst();
    return toNumber(result.numDeletedRows) > 0;
  }

  async authenticate(secret: string): Promise<Token | undefined> {
    const r = await this.ctx.db
      .selectFrom('tokens')
      .select(['id', 'name', 'role', 'created_at'])
      .where('token_hash', '=', hashToken(secret))
      .executeTakeFirst();
    return r && toToken(r);
  }

  async countTokens(): Promise<number> {
    const r = await this.ctx.db.selectFrom('tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return toNumber(r.n as number | string | bigint);
  }
}

function toToken(r: { id: string; name: string; role: string; created_at: string }): Token {
  return { id: r.id, name: r.name, role: r.role as Role, createdAt: r.created_at };
}
