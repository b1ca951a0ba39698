import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Project, ProjectPreviews } from '../domain/index.js';
import { parseJson, toNumber } from './dialect.js';
import { compiledOnce } from './compiled-once.js';
import { conflict, notFound, nowIso, type StoreContext } from './context.js';
import type { Role, Token } from './store.js';

/**
 * Projects (with their webhook secret) and API tokens (only their hash is stored). Tokens
 * Slipway generates (32 random bytes) are stored as their SHA-256: nothing to guess, and one
 * indexed look-up authenticates. A secret a person chose (SLIPWAY_BOOTSTRAP_TOKEN) may be
 * weak, so it is stored salted and slow: `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url).
 */

const TOKEN_PREFIX = 'slw_';
const SLOW_PREFIX = 'scrypt$';
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;
/** Secrets whose slow hash was verified, by their fast hash, so a console on the bootstrap token pays scrypt once. */
const VERIFIED_CACHE_SIZE = 100;

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keyLength: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export async function slowHashToken(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, SCRYPT.keyLength, SCRYPT);
  return `${SLOW_PREFIX}${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

async function matchesSlowHash(secret: string, stored: string): Promise<boolean> {
  const [n, r, p, salt, hash] = stored.slice(SLOW_PREFIX.length).split('$');
  const expected = Buffer.from(hash ?? '', 'base64url');
  if (!salt || expected.length === 0) return false;
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}

const tokenByHash = compiledOnce((db, hash: string) => db.selectFrom('tokens').select(['id', 'name', 'role', 'created_at', 'projects']).where('token_hash', '=', hash));
const tokenById = compiledOnce((db, id: string) => db.selectFrom('tokens').select(['id', 'name', 'role', 'created_at', 'projects']).where('id', '=', id));

function toProject(r: { id: string; name: string; created_at: string; previews: unknown }): Project {
  const previews = r.previews === null || r.previews === undefined ? undefined : parseJson<ProjectPreviews>(r.previews);
  return { id: r.id, name: r.name, createdAt: r.created_at, ...(previews ? { previews } : {}) };
}

function webhookContext(projectId: string): string {
  return `project:${projectId}:webhook`;
}

export class ProjectsTokensRepository {
  /** Fast hash of a secret → id of the slow-hashed token it was verified against. */
  private readonly verified = new Map<string, string>();

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
      .select(['id', 'name', 'created_at', 'previews'])
      .orderBy('created_at')
      .orderBy('name')
      .execute();
    return rows.map(toProject);
  }

  async getProject(id: string): Promise<Project | undefined> {
    const r = await this.ctx.db.selectFrom('projects').select(['id', 'name', 'created_at', 'previews']).where('id', '=', id).executeTakeFirst();
    return r && toProject(r);
  }

  /**
   * Renames a project. Project names have no unique index (the API refuses duplicates), so the
   * update itself checks that no other project holds the name: one statement, no gap between
   * the check and the write.
   */
  async updateProject(id: string, patch: { name?: string; previews?: ProjectPreviews | null }): Promise<Project> {
    if (patch.previews !== undefined) {
      await this.ctx.db
        .updateTable('projects')
        .set({ previews: patch.previews === null ? null : JSON.stringify(patch.previews) })
        .where('id', '=', id)
        .execute();
    }
    const name = patch.name;
    const result =
      name === undefined
        ? undefined
        : await this.ctx.db
            .updateTable('projects')
            .set({ name })
            .where('id', '=', id)
            .where(({ not, exists, selectFrom }) =>
              not(exists(selectFrom('projects as other').select('other.id').where('other.name', '=', name).where('other.id', '<>', id))),
            )
            .executeTakeFirst();
    const project = await this.getProject(id);
    if (!project) throw notFound('project', id);
    if (result && toNumber(result.numUpdatedRows) === 0) throw conflict(`a project named ${name} already exists`);
    return project;
  }

  async getWebhookSecret(projectId: string): Promise<string | undefined> {
    const r = await this.ctx.db.selectFrom('projects').select('webhook_secret').where('id', '=', projectId).executeTakeFirst();
    return r && this.ctx.secrets.decrypt(r.webhook_secret, webhookContext(projectId));
  }

  async createToken(input: { name: string; role: Role; secret?: string; projects?: string[] }): Promise<Token & { token: string }> {
    const secret = input.secret ?? TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const token: Token = { id: randomUUID(), name: input.name, role: input.role, createdAt: nowIso(this.ctx), ...(input.projects ? { projects: [...input.projects] } : {}) };
    const tokenHash = input.secret === undefined ? hashToken(secret) : await slowHashToken(secret);
    await this.ctx.db
      .insertInto('tokens')
      .values({
        id: token.id,
        name: token.name,
        role: token.role,
        token_hash: tokenHash,
        created_at: token.createdAt,
        projects: input.projects ? JSON.stringify(input.projects) : null,
      })
      .execute();
    return { ...token, token: secret };
  }

  async listTokens(): Promise<Token[]> {
    const rows = await this.ctx.db
      .selectFrom('tokens')
      .select(['id', 'name', 'role', 'created_at', 'projects'])
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
    const fast = hashToken(secret);
    // Verified before against a slow-hashed row (whose hash never changes): that row, if it
    // still exists (it may have been revoked since). Asked first, so that a client on the
    // bootstrap token costs one statement per request, as one on a generated token does.
    const cachedId = this.verified.get(fast);
    if (cachedId !== undefined) {
      const [cached] = await tokenById(this.ctx, cachedId);
      if (cached) return toToken(cached);
      this.verified.delete(fast);
    }
    const [r] = await tokenByHash(this.ctx, fast);
    if (r) return toToken(r);
    // The slow-hashed tokens (the bootstrap token, if any): few, each checked with scrypt.
    const slow = await this.ctx.db
      .selectFrom('tokens')
      .select(['id', 'name', 'role', 'created_at', 'projects', 'token_hash'])
      .where('token_hash', 'like', `${SLOW_PREFIX}%`)
      .execute();
    for (const row of slow) {
      if (!(await matchesSlowHash(secret, row.token_hash))) continue;
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      this.verified.set(fast, row.id);
      return toToken(row);
    }
    return undefined;
  }

  /**
   * A token stored with the fast hash of this person-chosen secret (a bootstrap token stored
   * before secrets were slow-hashed) is stored with the slow hash instead. True if one was.
   */
  async upgradeTokenHash(secret: string): Promise<boolean> {
    const fast = hashToken(secret);
    // The usual case (already upgraded, or never stored the old way) costs no scrypt.
    const old = await this.ctx.db.selectFrom('tokens').select('id').where('token_hash', '=', fast).executeTakeFirst();
    if (!old) return false;
    const result = await this.ctx.db
      .updateTable('tokens')
      .set({ token_hash: await slowHashToken(secret) })
      .where('token_hash', '=', fast)
      .executeTakeFirst();
    return toNumber(result.numUpdatedRows) > 0;
  }

  async countTokens(): Promise<number> {
    const r = await this.ctx.db.selectFrom('tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return toNumber(r.n as number | string | bigint);
  }
}

function toToken(r: { id: string; name: string; role: string; created_at: string; projects: unknown }): Token {
  const projects = r.projects === null ? null : parseJson<string[]>(r.projects);
  return { id: r.id, name: r.name, role: r.role as Role, createdAt: r.created_at, ...(projects ? { projects } : {}) };
}
