import { Type } from '@sinclair/typebox';
import type { Api, ApiDeps } from '../context.js';
import { notFound, validationFailed } from '../errors.js';
import { reaches } from '../project-access.js';
import { Id, Obj, PageQuery, errorResponses } from '../schemas/common.js';
import { ListOf } from '../schemas/views.js';

const AuditEventView = Type.Object(
  {
    id: Type.String(),
    at: Type.String({ description: 'ISO-8601, UTC' }),
    tokenId: Type.Union([Type.String(), Type.Null()]),
    tokenName: Type.String(),
    action: Type.String({ description: 'create, update, delete, or the action run (deploy, redeploy, clone…)' }),
    resourceType: Type.String(),
    resourceId: Type.Union([Type.String(), Type.Null()]),
    projectId: Type.Union([Type.String(), Type.Null()]),
    fields: Type.Array(Type.String(), { description: 'the names of the fields the request set; never a value' }),
    method: Type.String(),
    path: Type.String(),
    statusCode: Type.Integer(),
  },
  { additionalProperties: true },
);

/** `GET /audit` (docs/teams.md#audit-log): newest first, paginated. */
export function auditRoutes(app: Api, { store }: ApiDeps): void {
  app.get(
    '/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log: who changed what, when, and how it ended; newest first. A token limited to projects sees theirs alone',
        querystring: Obj({ ...PageQuery.properties, projectId: Type.Optional(Id), since: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'ISO-8601: events at or after it' })) }),
        response: { 200: ListOf(AuditEventView), ...errorResponses() },
      },
    },
    async (request) => {
      const { projectId, since, limit, cursor } = request.query;
      const token = request.token!;
      if (projectId !== undefined && !reaches(token, projectId)) throw notFound('project');
      if (since !== undefined && Number.isNaN(Date.parse(since))) throw validationFailed([{ field: 'querystring/since', message: 'an ISO-8601 time, e.g. 2026-01-31T12:00:00Z' }]);
      return store.listAudit(
        {
          ...(projectId !== undefined ? { projectId } : {}),
          ...(token.projects ? { projectIds: token.projects } : {}),
          ...(since !== undefined ? { since: new Date(since).toISOString() } : {}),
        },
        { limit: limit ?? 20, ...(cursor !== undefined ? { cursor } : {}) },
      );
    },
  );
}
