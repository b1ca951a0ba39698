import { Type } from '@sinclair/typebox';
import { DELIVERY_STATUSES, NOTIFICATION_EVENTS, NOTIFICATION_FORMATS } from '../../domain/notifications.js';
import { Name, Obj } from './common.js';

/** Notifications of a project (docs/notifications.md). */

const EventName = Type.Unsafe<(typeof NOTIFICATION_EVENTS)[number]>({ type: 'string', enum: [...NOTIFICATION_EVENTS] });
const Format = Type.Unsafe<(typeof NOTIFICATION_FORMATS)[number]>({ type: 'string', enum: [...NOTIFICATION_FORMATS] });

export const CreateNotificationBody = Obj({
  name: Name,
  url: Type.String({
    minLength: 8,
    maxLength: 2048,
    description: 'an http(s) URL; not this machine, a link-local address or a metadata service (unless the server allows its host)',
  }),
  events: Type.Array(EventName, { minItems: 1, maxItems: NOTIFICATION_EVENTS.length, uniqueItems: true }),
  format: Type.Optional(Type.Union([Format], { default: 'json', description: 'json (the event as JSON) or slack (a Slack incoming-webhook message)' })),
  secret: Type.Optional(
    Type.String({ minLength: 8, maxLength: 256, description: 'signs every delivery: X-Slipway-Signature-256: sha256=<HMAC-SHA-256 of the body>; never shown again' }),
  ),
});

export const DeliveriesQuery = Obj({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const When = Type.String({ description: 'ISO-8601, UTC' });

export const NotificationView = Type.Object(
  {
    id: Type.String(),
    projectId: Type.String(),
    name: Type.String(),
    url: Type.String({ description: 'the scheme, host and port; the path and query masked (they may hold a token)' }),
    events: Type.Array(EventName),
    format: Format,
    signed: Type.Boolean({ description: 'a secret signs its deliveries' }),
    createdAt: When,
  },
  { additionalProperties: true },
);

const TryView = Type.Object(
  {
    number: Type.Integer({ minimum: 1 }),
    startedAt: When,
    durationMs: Type.Integer(),
    statusCode: Type.Union([Type.Integer(), Type.Null()], { description: 'the receiver\'s answer; null when none came' }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'why the try failed; null when it was delivered' }),
  },
  { additionalProperties: true },
);

export const DeliveryView = Type.Object(
  {
    id: Type.String({ description: 'the X-Slipway-Delivery header of every try' }),
    notificationId: Type.String(),
    event: EventName,
    status: Type.Unsafe<(typeof DELIVERY_STATUSES)[number]>({ type: 'string', enum: [...DELIVERY_STATUSES] }),
    tries: Type.Integer({ minimum: 0 }),
    nextTryAt: Type.Union([When, Type.Null()], { description: 'PENDING: when it is tried next' }),
    createdAt: When,
    endedAt: Nullable(When),
    body: Type.String({ description: 'the body sent, as JSON text' }),
    attempts: Type.Array(TryView, { description: 'every try, in order' }),
  },
  { additionalProperties: true },
);
