import { Type } from '@sinclair/typebox';
import { ActionAccepted, ErrorResponse, Id, Obj } from './common.js';

/** The git push webhook (docs/api.md#webhooks): what providers send and what it answers. */

const header = (description: string) => Type.Optional(Type.String({ maxLength: 1024, description }));

/** Headers are documented, not closed: providers send many more. */
export const WebhookHeaders = Type.Object(
  {
    'x-github-event': header('GitHub: the event name (`push` and `pull_request` are acted on, others are answered 200 and ignored)'),
    'x-hub-signature-256': header('GitHub: `sha256=<HMAC-SHA256 of the raw body with the project webhook secret>`'),
    'x-github-delivery': header('GitHub: the delivery id; a delivery id seen before is answered 200 and ignored'),
    'x-gitlab-event': header('GitLab: the event name (`Push Hook` and `Merge Request Hook` are acted on)'),
    'x-gitlab-token': header('GitLab: the project webhook secret'),
    'x-gitlab-event-uuid': header('GitLab: the event id (used as the delivery id when Idempotency-Key is absent)'),
    'idempotency-key': header('GitLab: the delivery id, the same on its retries'),
  },
  { additionalProperties: true },
);

export const WebhookProjectParams = Obj({ projectId: Id });

const payload = Type.Unknown({
  description: 'the push event exactly as the provider sends it; its signature is checked on these bytes before they are read',
});

/** Kept as bytes by the route's own parser: the signature covers the raw body. */
export const WebhookBody = {
  content: {
    'application/json': { schema: payload },
    'application/x-www-form-urlencoded': { schema: Type.Unknown({ description: 'GitHub form encoding: `payload=<the JSON event>`' }) },
  },
};

export const WebhookIgnored = Type.Object(
  {
    ignored: Type.Literal(true),
    reason: Type.String(),
    duplicate: Type.Optional(Type.Boolean({ description: 'true: this delivery was received before; nothing was done again' })),
    items: Type.Array(Type.Object({}), { maxItems: 0, description: 'always empty' }),
  },
  { description: 'signed, and nothing to do: not a branch push, a pull request event that changes no preview (older, repeated, previews off), or a delivery seen before' },
);

export const WebhookAccepted = Type.Object(
  {
    commit: Type.String(),
    branch: Type.String(),
    items: Type.Array(Type.Object({ serviceId: Type.String(), ...ActionAccepted.properties }), {
      description: 'one Deploy other version per matching auto-deploy service (none when no service follows that branch); empty for a pull request event',
    }),
    previews: Type.Optional(
      Type.Array(
        Type.Object({
          projectId: Type.String(),
          number: Type.Integer({ description: 'the pull (merge) request number' }),
          environmentId: Type.Union([Type.String(), Type.Null()], { description: 'the preview environment `pr-<number>`' }),
          did: Type.Union([Type.Literal('created'), Type.Literal('deployed'), Type.Literal('deleted'), Type.Literal('nothing')]),
          reason: Type.Optional(Type.String({ description: 'why nothing was done (an older or repeated event, previews off)' })),
          deploymentIds: Type.Array(Type.String()),
        }),
        { description: 'a pull request event: what it did to each project\'s preview environment' },
      ),
    ),
  },
  {
    description:
      'signed push: the matching auto-deploy services deploy the pushed commit (commit, branch: the pushed ones). ' +
      'Signed pull request event: its preview environment is created, deployed or deleted (commit, branch: its head)',
  },
);

/** The webhook needs no token: no 403; 401 is a missing or wrong signature. */
export function webhookResponses(...statuses: number[]) {
  const out: Record<number, typeof ErrorResponse> = {};
  for (const s of [400, 401, 413, 429, 500, ...statuses]) out[s] = ErrorResponse;
  return { 200: WebhookIgnored, 202: WebhookAccepted, ...out };
}
