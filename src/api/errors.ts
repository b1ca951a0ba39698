import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { DomainError, answeredCode, type ErrorCode } from '../domain/index.js';
import { RouteTable } from './route-table.js';

/** The one table from an error's code to its HTTP status (the codes are the domain's). */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** A known path asked with a method it does not route; `Allow` lists the ones it does. */
  METHOD_NOT_ALLOWED: 405,
  ACTION_NOT_AVAILABLE: 409,
  ENVIRONMENT_BUSY: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** Too many failed authentications from the client's address; `Retry-After` says for how long. */
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** A git remote or an image registry Slipway depends on failed (Slipway's own addition). */
  UPSTREAM_UNAVAILABLE: 502,
} as const satisfies Record<ErrorCode, number>;

export interface FieldError {
  /** JSON pointer into the request part, prefixed by the part: `body/name`, `params/id`, `querystring/limit`. */
  field: string;
  message: string;
}

/**
 * An error as the API answers it: a code a client reads (not a finer cause), its message and
 * details. Anything thrown becomes one (toAnswer) before it leaves.
 */
export interface ErrorAnswer {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export function notFound(what: string): DomainError {
  return new DomainError('NOT_FOUND', `${what} not found`);
}

export function validationFailed(details: FieldError[]): DomainError {
  return new DomainError('VALIDATION_FAILED', 'the request is not valid', details);
}

export interface ErrorBody {
  error: ErrorAnswer;
}

function answer(code: ErrorCode, message: string, details?: unknown): ErrorAnswer {
  return { code, message, ...(details === undefined ? {} : { details }) };
}

/**
 * Ajv reports every branch of a union (anyOf). When a branch failed on its discriminator
 * (`type` const: service types, probe types), it is not the branch the client meant, so its
 * errors are noise: keep only the branches whose discriminator matched.
 */
function pruneUnionErrors(errors: ErrorObject[]): ErrorObject[] {
  const branchOf = (e: ErrorObject): { prefix: string; index: string } | null => {
    const m = /^(.*\/anyOf)\/(\d+)\//.exec(e.schemaPath);
    return m ? { prefix: m[1]!, index: m[2]! } : null;
  };
  const rejected = new Set<string>();
  for (const e of errors) {
    const b = branchOf(e);
    if (!b) continue;
    const rest = e.schemaPath.slice(`${b.prefix}/${b.index}/`.length);
    // The discriminator did not match, or the value is not even of the branch's JSON type
    // (an object sent where `{...} | null` is accepted).
    if (rest === 'properties/type/const' || rest === 'type') rejected.add(`${b.prefix}/${b.index}`);
  }
  const anyRejected = rejected.size > 0;
  const kept = errors.filter((e) => ![...rejected].some((branch) => e.schemaPath.startsWith(`${branch}/`)));
  // The anyOf summary ("must match a schema in anyOf") says nothing once a branch's own errors remain.
  const pruned = anyRejected ? kept.filter((e) => e.keyword !== 'anyOf' || kept.length === 1) : kept;
  return pruned.length > 0 ? pruned : errors;
}

export function ajvDetails(errors: ErrorObject[], part: string): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of pruneUnionErrors(errors)) {
    let field = `${part}${e.instancePath}`;
    let message = e.message ?? 'is not valid';
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      field = `${field}/${extra}`;
      message = 'unknown field';
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty?: string }).missingProperty;
      field = `${field}/${missing}`;
      message = 'is required';
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      if (allowed) message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const key = `${field}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, message });
    }
  }
  return out;
}

/** Database unique-key violations (SQLite, PostgreSQL) are name conflicts. */
function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Turns anything thrown by a route, a hook or a dependency into the answer it gets, or null when
 * it is unexpected (answered INTERNAL without its details). A finer cause is answered as the
 * code it refines.
 */
export function toAnswer(error: unknown): ErrorAnswer | null {
  if (error instanceof DomainError) {
    const code = answeredCode(error.code);
    if (code === 'INTERNAL') return null;
    return answer(code, error.message, error.details);
  }
  if (isUniqueViolation(error)) return answer('CONFLICT', 'a resource with that name already exists');
  const fe = error as Partial<FastifyError> & { validation?: ErrorObject[]; validationContext?: string };
  if (fe.validation) {
    return answer('VALIDATION_FAILED', 'the request is not valid', ajvDetails(fe.validation, fe.validationContext ?? 'body'));
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer('PAYLOAD_TOO_LARGE', 'the request body is too large (1 MiB; 5 MiB on /webhooks/git/{projectId})');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer('VALIDATION_FAILED', 'the request body is not valid JSON', [{ field: 'body', message: 'malformed JSON' }]);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return answer('VALIDATION_FAILED', 'the request body must be JSON (Content-Type: application/json)', [
        { field: 'body', message: 'unsupported content type' },
      ]);
    default:
      break;
  }
  // Errors Fastify raises for a malformed request (bad header, bad URL, …) carry a 4xx status.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 && typeof fe.code === 'string' && fe.code.startsWith('FST_')) {
    if (fe.statusCode === 413) return answer('PAYLOAD_TOO_LARGE', 'the request body is too large');
    if (fe.statusCode === 404) return answer('NOT_FOUND', 'not found');
    return answer('VALIDATION_FAILED', 'the request is not valid');
  }
  return null;
}

export function sendError(reply: FastifyReply, error: ErrorAnswer): FastifyReply {
  return reply.code(ERROR_STATUS[error.code]).type('application/json; charset=utf-8').send({ error } satisfies ErrorBody);
}

/** A request no route took: 405 with `Allow` on a path routed for other methods, else 404. */
function unrouted(routes: RouteTable, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? '';
  const allowed = routes.allowed(path);
  if (allowed.length === 0) return sendError(reply, answer('NOT_FOUND', `no route ${request.method} ${path}`));
  reply.header('allow', allowed.join(', '));
  return sendError(reply, answer('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`));
}

/**
 * Errors Fastify meets before routing (a malformed URL, a too long parameter) would otherwise
 * answer in its own format: the `frameworkErrors` server option, so they leave in ours.
 */
export function frameworkErrors(error: unknown, _request: FastifyRequest, reply: FastifyReply): void {
  void sendError(reply, toAnswer(error) ?? answer('VALIDATION_FAILED', 'the request is not valid'));
}

/**
 * The error and not-found handlers: every error leaves in the format of docs/api.md#errors, never
 * with a stack. Register before the routes: it learns the routed paths as they are added.
 */
export function installErrorHandling(app: FastifyInstance): void {
  const routes = new RouteTable();
  app.addHook('onRoute', (route) => routes.add(route.url, route.method));
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    // No route took the request (its body failed before the not-found handler ran: an unknown
    // method such as QUERY must carry a Content-Type): the path decides, not the body.
    if (request.is404) return unrouted(routes, request, reply);
    const mapped = toAnswer(error);
    if (mapped) {
      if (ERROR_STATUS[mapped.code] >= 500) request.log.error({ err: error }, 'request failed');
      return sendError(reply, mapped);
    }
    // Unexpected: the details go to the log, never to the client.
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, answer('INTERNAL', 'internal error'));
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => unrouted(routes, request, reply));
}
