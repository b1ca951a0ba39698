import { Type } from '@sinclair/typebox';
import type { Api, ApiDeps } from '../context.js';
import { notFound, validationFailed } from '../errors.js';
import { reaches } from '../project-access.js';
import { Id, Obj, PageQuery, errorResponses } from '../schemas/common.js';
import { ListOf } from '../schemas/views.js';
import { AuditEventView } from '../schemas/audit.js';
import type { AuditFilter } from '../../store/store.js';

const Time = (what: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: `ISO-8601: events at or ${what} it` }));
const Exact = (what: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: `only events whose ${what} is exactly this` }));

const AuditQuery = Obj({
  ...PageQuery.properties,
  projectId: Type.Optional(Id),
  since: Time('after'),
  until: Time('before'),
  tokenName: Exact('token name'),
  action: Exact('action'),
  resourceType: Exact('resource type'),
  resourceId: Exact('resource id'),
});

/** An ISO-8601 time of the query, normalized to the store's form; anything else is a 400 naming the field. */
function timeOf(field: 'since' | 'until', value: string | undefined): Partial<Record<'since' | 'until', string>> {
  if (value === undefined) return {};
  if (Number.isNaN(Date.parse(value))) throw validationFailed([{ field: `querystring/${field}`, message: 'an ISO-8601 time, e.g. 2026-01-31T12:00:00Z' }]);
  return { [field]: new Date(value).toISOString() };
}

/** `GET /audit` (docs/teams.md#audit-log): newest first, paginated. */
export function auditRoutes(app: Api, { store }: ApiDeps): void {
  app.get(
    '/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log: who changed what, when, and how it ended; newest first. A token limited to projects sees theirs alone',
        querystring: AuditQuery,
        response: { 200: ListOf(AuditEventView), ...errorResponses() },
      },
    },
    async (request) => {
      const { projectId, since, until, limit, cursor, ...exact } = request.query;
      const token = request.token!;
      if (projectId !== undefined && !reaches(token, projectId)) throw notFound('project');
      const filter: AuditFilter = {
        ...(projectId !== undefined ? { projectId } : {}),
        ...(token.projects ? { projectIds: token.projects } : {}),
        ...timeOf('since', since),
        ...timeOf('until', until),
      };
      for (const key of ['tokenName', 'action', 'resourceType', 'resourceId'] as const) {
        if (exact[key] !== undefined) filter[key] = exact[key];
      }
      return store.listAudit(filter, { limit: limit ?? 20, ...(cursor !== undefined ? { cursor } : {}) });
    },
  );
}
