import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditEvent, Store } from '../store/store.js';
import { changesSomething } from './changing-methods.js';
import { projectOfRequest } from './project-access.js';

/**
 * The audit log (docs/teams.md#audit-log): every authenticated request that changes something
 * (POST, PUT, PATCH, DELETE) is recorded once answered, refused ones included, with who (the
 * token), what (create, update, delete, or the action run), which resource, which fields the
 * body set (names only: never a value) and the status code. A failure to record is logged,
 * never turned into the request's failure.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The id in a 201 answer: the resource the request created. */
    createdId: string | null;
    /** The names of the fields the body set, read before validation fills in defaults. */
    auditFields: string[] | null;
  }
}

/** Install before project-access.ts: the body's field names are read before a refusal there. */
export function installAuditLog(app: FastifyInstance, store: Store): void {
  app.decorateRequest('createdId', null);
  app.decorateRequest('auditFields', null);
  app.addHook('preValidation', async (request) => {
    if (request.token && changesSomething(request.method)) request.auditFields = fieldNames(request.body);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 201 && typeof payload === 'string' && changesSomething(request.method)) request.createdId = createdIdOf(payload);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!request.token || !changesSomething(request.method) || request.is404) return;
    try {
      // Refused before it was traced (a role too weak): its project is looked up now.
      request.projectId ??= await projectOfRequest(store, request);
      await store.recordAudit(auditEventOf(request, reply.statusCode));
    } catch (err) {
      request.log.error({ err }, 'could not record the audit event');
    }
  });
}

function createdIdOf(payload: string): string | null {
  try {
    const id = (JSON.parse(payload) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/** `environments` → `environment`, `deployment-requests` → `deployment-request`. */
function singular(family: string): string {
  return family.endsWith('s') ? family.slice(0, -1) : family;
}

/** What the request did to which resource, read from its route: `/x`, `/x/:id`, `/x/:id/y`. */
export function auditEventOf(request: FastifyRequest, statusCode: number): Omit<AuditEvent, 'id' | 'at'> {
  const segments = (request.routeOptions.url ?? '').replace(/^\/api\/v1(?=\/)/, '').split('/').filter((s) => s !== '');
  const [family = '', , sub] = segments;
  const paramId = (request.params as { id?: unknown } | undefined)?.id;
  const id = typeof paramId === 'string' ? paramId : null;
  let target: { action: string; resourceType: string; resourceId: string | null };
  // Created in a collection (`/projects`, `/environments/:id/services`), or by an action (clone).
  if (request.createdId !== null && (sub === undefined || sub.endsWith('s'))) target = { action: 'create', resourceType: singular(sub ?? family), resourceId: request.createdId };
  else if (request.createdId !== null) target = { action: sub!, resourceType: singular(family), resourceId: request.createdId };
  else if (sub === undefined) target = { action: request.method === 'DELETE' ? 'delete' : request.method === 'POST' && !id ? 'create' : 'update', resourceType: singular(family), resourceId: id };
  else if (request.method === 'PUT' || request.method === 'PATCH') target = { action: 'update', resourceType: `${singular(family)}.${sub}`, resourceId: id };
  else target = { action: sub, resourceType: singular(family), resourceId: id };
  const projectId = request.projectId ?? (family === 'projects' && request.createdId !== null && sub === undefined ? request.createdId : null);
  return {
    tokenId: request.token?.id ?? null,
    tokenName: request.token?.name ?? 'anonymous',
    ...target,
    projectId,
    fields: request.auditFields ?? [],
    method: request.method,
    path: (request.url.split('?')[0] ?? '').slice(0, 512),
    statusCode,
  };
}

/**
 * The names of what a body sets, never a value: its fields, one level into objects
 * (`settings.env`, `source.git`), the keys of a list of variables (`env.API_KEY` is not read:
 * a variable list names its keys, since they are what changed).
 */
export function fieldNames(body: unknown): string[] {
  if (Array.isArray(body)) return body.flatMap((item) => (item && typeof item === 'object' && typeof (item as { key?: unknown }).key === 'string' ? [(item as { key: string }).key] : [])).sort();
  if (!body || typeof body !== 'object') return [];
  const names: string[] = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) names.push(...Object.keys(value).map((inner) => `${key}.${inner}`));
    else names.push(key);
  }
  return names.sort();
}
