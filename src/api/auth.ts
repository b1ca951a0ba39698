import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role, Store, Token } from '../store/store.js';
import { AuthFailureLimiter, DEFAULT_AUTH_FAILURE_LIMITS, type AuthFailureLimits } from './auth-failure-limiter.js';
import { DomainError } from '../domain/index.js';

/** Who may call a route: `public` needs no token (health probes only). */
export type Access = Role | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The weakest role allowed; routes without it are admin-only, so a forgotten one fails closed. */
    access?: Access;
  }
  interface FastifyRequest {
    /** The authenticated token; null on public routes. */
    token: Token | null;
  }
  interface FastifyInstance {
    /** Failed authentications per client address (bad tokens, bad webhook signatures). */
    authFailures: AuthFailureLimiter;
  }
}

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2 };

export function allows(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** `Authorization: Bearer <token>`; anything else is no token. */
function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Bearer[ ]+([\x21-\x7e]{1,512})[ ]*$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * 429 with Retry-After while the client's address has failed authentication too often
 * (docs/api.md#rate-limiting). Checked before any token is looked at, so a blocked address learns
 * nothing from a guess.
 */
export function refuseWhileLimited(request: FastifyRequest, reply: FastifyReply): void {
  const wait = request.server.authFailures.retryAfterSeconds(request.ip);
  if (wait === 0) return;
  void reply.header('retry-after', String(wait));
  throw new DomainError('RATE_LIMITED', `too many failed authentications from this address; retry in ${wait} s`);
}

/** Counts a failed authentication (a bad token or webhook signature) against the client's address. */
export function recordAuthFailure(request: FastifyRequest): void {
  request.server.authFailures.recordFailure(request.ip);
}

/** Authenticates every routed request before its body is even parsed (docs/api.md#tokens-and-roles). */
export function installAuth(app: FastifyInstance, store: Store, limits: Partial<AuthFailureLimits> = {}): void {
  app.decorateRequest('token', null);
  app.decorate('authFailures', new AuthFailureLimiter({ ...DEFAULT_AUTH_FAILURE_LIMITS, ...limits }));
  app.addHook('onRequest', async (request, reply) => {
    // Unknown routes answer 404 whoever asks: there is nothing there to protect.
    if (request.is404) return;
    const access: Access = request.routeOptions.config.access ?? 'admin';
    if (access === 'public') return;
    refuseWhileLimited(request, reply);
    const secret = bearer(request);
    // No token at all is no guess: it is refused but not counted.
    if (!secret) throw new DomainError('UNAUTHORIZED', 'an API token is required (Authorization: Bearer <token>)');
    const token = await store.authenticate(secret);
    if (!token) {
      recordAuthFailure(request);
      throw new DomainError('UNAUTHORIZED', 'the API token is not valid');
    }
    request.token = token;
    if (!allows(token.role, access)) {
      throw new DomainError('FORBIDDEN', `this needs the ${access} role; the token has the ${token.role} role`);
    }
  });
}

/**
 * SLIPWAY_BOOTSTRAP_TOKEN: on an empty database it becomes the first admin token, stored with
 * a salted slow hash. A database whose bootstrap token was stored with the fast hash (before
 * that) has it rehashed here, at start; without the variable set it stays as it is and works.
 */
export async function bootstrapAdmin(store: Store, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  if ((await store.countTokens()) > 0) {
    await store.upgradeTokenHash(secret);
    return false;
  }
  await store.createToken({ name: 'bootstrap', role: 'admin', secret });
  return true;
}
