import type { FastifyInstance, RouteOptions } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { ERROR_STATUS } from './errors.js';
import { ErrorResponse } from './schemas/common.js';

/**
 * Every route's schema declares the errors the server can answer on it, added here in one place
 * (an onRoute hook, registered before the routes) rather than remembered route by route: the
 * OpenAPI document is then true for routes and refusals added later. A route may declare more
 * itself (409, 503…); what it declares is kept.
 */

/** Methods whose requests carry a body, refused over the size limit (413). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const WHY: Record<number, string> = {
  400: 'VALIDATION_FAILED: a parameter, a header or the body is not valid (details name the fields)',
  401: 'UNAUTHORIZED: no token, or a token that is not valid (webhooks: no valid signature)',
  403: 'FORBIDDEN: the token\'s role does not allow this',
  404: 'NOT_FOUND: no such resource',
  413: 'PAYLOAD_TOO_LARGE: the body is over the size limit',
  409: 'CONFLICT, ACTION_NOT_AVAILABLE or ENVIRONMENT_BUSY: the resource\'s state does not allow it now',
  429: 'too many failed authentications from this address: retry after `Retry-After` seconds',
  500: 'INTERNAL: an unexpected error (never with its details)',
  502: 'UPSTREAM_UNAVAILABLE: a git remote, an image registry or a cluster Slipway needs cannot be reached (the reason, credentials stripped)',
};

/** The codes the API answers with this status (ERROR_STATUS), so a new code is documented at once. */
function codesOf(status: number): string[] {
  return Object.entries(ERROR_STATUS)
    .filter(([, s]) => s === status)
    .map(([code]) => code);
}

/** The error body of a status, its `code` narrowed to the codes that status carries. */
function errorResponse(status: number): TSchema {
  const codes = codesOf(status);
  // A string with an enum, not a union of literals: the serializer picks a union's branch by
  // validating, and a code missing from the list would turn the answer into a 500; an enum it
  // only documents.
  const code = codes.length === 0 ? Type.String() : Type.Unsafe<string>({ type: 'string', enum: codes });
  return Type.Object(
    { error: Type.Object({ code, message: Type.String(), details: Type.Optional(Type.Unknown()) }) },
    { description: WHY[status] ?? ErrorResponse.description },
  );
}

/** The error statuses a route can answer, from what it is: its method, its access, its parameters. */
export function errorStatusesOf(route: Pick<RouteOptions, 'method' | 'config'>, declared: ReadonlySet<number>): number[] {
  const methods = typeof route.method === 'string' ? [route.method] : route.method;
  const access = (route.config as { access?: string } | undefined)?.access ?? 'admin';
  const writes = methods.some((m) => BODY_METHODS.has(m.toUpperCase()));
  const statuses = new Set([400, 404, 500]);
  if (writes) statuses.add(413);
  if (access !== 'public') for (const s of [401, 403, 429, 502]) statuses.add(s);
  // A write may meet a concurrent one (a name taken meanwhile, a status that moved on).
  if (access !== 'public' && writes) statuses.add(409);
  // A public route that writes authenticates otherwise (a signed webhook): it refuses a bad
  // signature (401) and is rate-limited like a bad token (429). Health probes only read.
  if (access === 'public' && writes) statuses.add(401);
  if (declared.has(401) || statuses.has(401)) statuses.add(429);
  return [...statuses].sort((a, b) => a - b);
}

export function installDocumentedErrors(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    if (!schema || schema.hide) return;
    const response = { ...(schema.response ?? {}) };
    const declared = new Set(Object.keys(response).map(Number));
    for (const status of errorStatusesOf(route, declared)) {
      // The shared generic error (errorResponses()) is made precise too; a route's own schema stays.
      if (!declared.has(status) || response[status] === ErrorResponse) response[status] = errorResponse(status);
    }
    route.schema = { ...schema, response };
  });
}
