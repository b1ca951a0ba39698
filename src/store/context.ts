import type { Kysely } from 'kysely';
import { DomainError } from '../domain/index.js';
import type { Database } from './database.js';
import type { SqlFlavor } from './dialect.js';
import type { SecretBox } from './secrets.js';

/** What every repository shares: the database, its flavor, the secret box and the app clock. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly flavor: SqlFlavor;
  readonly secrets: SecretBox;
  readonly now: () => Date;
}

export function nowIso(ctx: StoreContext): string {
  return ctx.now().toISOString();
}

export function notFound(what: string, id: string): DomainError {
  return new DomainError('NOT_FOUND', `${what} ${id} does not exist`);
}

export function conflict(message: string): DomainError {
  return new DomainError('CONFLICT', message);
}
