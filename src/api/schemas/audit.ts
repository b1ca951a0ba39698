import { Type } from '@sinclair/typebox';

/** One event of the audit log (docs/teams.md#audit-log). */
export const AuditEventView = Type.Object(
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
