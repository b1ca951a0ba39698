import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role, Store, Token } from '../store/store.js';
import { ApiError } from './errors.js';

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

/** Authenticates every routed request before its body is even parsed (SPEC §9, §10). */
export function installAuth(app: FastifyInstance, store: Store): void {
  app.decorateRequest('token', null);
  app.addHook('onRequest', async (request) => {
    // Unknown routes answer 404 whoever asks: there is nothing there to protect.
    if (request.is404) return;
    const access: Access = request.routeOptions.config.access ?? 'admin';
    if (access === 'public') return;
    const secret = bearer(request);
    if (!secret) throw new ApiError('UNAUTHORIZED', 'an API token is required (Authorization: Bearer <token>)');
    const token = await store.authenticate(secret);
    if (!token) throw new ApiError('UNAUTHORIZED', 'the API token is not valid');
    request.token = token;
    if (!allows(token.role, access)) {
      throw new ApiError('FORBIDDEN', `this needs the ${access} role; the token has the ${token.role} role`);
    }
  });
}

/** SLIPWAY_BOOTSTRAP_TOKEN: on an empty database it becomes the first admin token. */
export async function bootstrapAdmin(store: Store, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  if ((await store.countTokens()) > 0) return false;
  await store.createToken({ name: 'bootstrap', role: 'admin', secret });
  return true;
}
