import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Building blocks shared by the resource schemas (docs/api.md#requests-and-answers: everything
 * validated, unknown fields refused).
 */

/** A DNS label (RFC 1123): what every name is. */
export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** A git commit SHA, abbreviated or full. */
export const COMMIT_SHA = '^[0-9a-fA-F]{7,40}$';
/** A Docker image tag. */
export const IMAGE_TAG = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';
/**
 * A Docker image name (distribution's reference grammar, without tag or digest):
 * optional registry host[:port], then lower-case path components separated by `/`.
 */
export const IMAGE_NAME =
  '^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?' +
  '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$';
/** A version: a commit SHA or an image tag (a SHA is itself a valid tag). */
export const VERSION = IMAGE_TAG;
export const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Objects refuse unknown fields. */
export function Obj<T extends Parameters<typeof Type.Object>[0]>(properties: T, options: { description?: string; $id?: string } = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export const Id = Type.String({ pattern: UUID, description: 'a UUID' });
export const Name = Type.String({ pattern: DNS_LABEL, minLength: 1, maxLength: 63, description: 'a DNS label' });
export const Version = Type.String({
  pattern: VERSION,
  minLength: 1,
  maxLength: 128,
  description: 'a git commit SHA (7–40 hex characters) or an image tag',
});
export const Timestamp = Type.String({ description: 'ISO-8601, UTC' });

export const IdParams = Obj({ id: Id });

/** Query flags arrive as strings; the querystring validator coerces them. */
export const QueueQuery = Obj({
  queue: Type.Optional(Type.Boolean({ default: true, description: 'false: refuse with ENVIRONMENT_BUSY instead of queueing' })),
});

export const PageQuery = Obj({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
});

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { description: 'every error: { error: { code, message, details? } }' },
);

/** The errors any authenticated route may answer (429: too many failed authentications from the address). */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of [400, 401, 403, 404, 429, 500, ...statuses]) out[s] = ErrorResponse;
  return out;
}

export const ActionAccepted = Type.Object(
  {
    requestId: Type.String(),
    deploymentId: Type.String(),
    position: Type.Integer({ minimum: 0, description: '0: started at once; n ≥ 1: place among the waiting requests' }),
    merged: Type.Boolean({ description: 'an identical waiting request existed and is returned' }),
  },
  { description: 'the action was accepted (docs/queue-and-cancel.md#one-action-at-a-time)' },
);

/** One event of a server-sent event stream (the document describes a stream by its events). */
export const EventStream = Type.Object(
  {
    event: Type.String({ description: 'the event type' }),
    data: Type.String({ description: 'the event, as JSON' }),
    id: Type.Optional(Type.String({ description: 'log streams: the line\'s seq (Last-Event-ID resumes after it)' })),
  },
  { description: 'server-sent events (`event:`, `id:`, `data:` blocks; `:` comments as heartbeats)' },
);

