import type { Notification } from '../../domain/index.js';
import type { NotificationDelivery, NotificationTry } from '../../store/store.js';
import type { Api, ApiDeps } from '../context.js';
import { requireProject } from '../context.js';
import { notFound, validationFailed } from '../errors.js';
import { SECRET_MASK } from '../present.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { CreateNotificationBody, DeliveriesQuery, DeliveryView, NotificationView } from '../schemas/notification.js';
import { ListOf } from '../schemas/views.js';

/** Notifications of a project and their deliveries (docs/notifications.md). */
export function notificationRoutes(app: Api, { store, notificationPolicy }: ApiDeps): void {
  app.post(
    '/projects/:id/notifications',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['notifications'],
        summary: 'Add a webhook the project\'s events are sent to',
        params: IdParams,
        body: CreateNotificationBody,
        response: { 201: NotificationView, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const project = await requireProject(store, request.params.id);
      const { name, url, events, format, secret } = request.body;
      const refused = notificationPolicy.refuseUrl(url);
      if (refused) throw validationFailed([{ field: 'body/url', message: refused }]);
      const created = await store.createNotification({ projectId: project.id, name, url, events, format: format ?? 'json', ...(secret ? { secret } : {}) });
      return reply.code(201).send(presentNotification(created));
    },
  );

  app.get(
    '/projects/:id/notifications',
    {
      config: { access: 'viewer' },
      schema: { tags: ['notifications'], summary: 'The project\'s notifications', params: IdParams, response: { 200: ListOf(NotificationView), ...errorResponses() } },
    },
    async (request) => {
      const project = await requireProject(store, request.params.id);
      return { items: (await store.listNotifications(project.id)).map(presentNotification) };
    },
  );

  app.get(
    '/notifications/:id',
    { config: { access: 'viewer' }, schema: { tags: ['notifications'], summary: 'One notification', params: IdParams, response: { 200: NotificationView, ...errorResponses() } } },
    async (request) => {
      const found = await store.getNotification(request.params.id);
      if (!found) throw notFound('notification');
      return presentNotification(found);
    },
  );

  app.delete(
    '/notifications/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['notifications'], summary: 'Remove a notification and its deliveries (pending ones are not sent)', params: IdParams, response: { 204: { type: 'null', description: 'removed' }, ...errorResponses() } },
    },
    async (request, reply) => {
      if (!(await store.deleteNotification(request.params.id))) throw notFound('notification');
      return reply.code(204).send();
    },
  );

  app.get(
    '/notifications/:id/deliveries',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['notifications'],
        summary: 'Its deliveries, newest first, each with every try (status code, error, time)',
        params: IdParams,
        querystring: DeliveriesQuery,
        response: { 200: ListOf(DeliveryView), ...errorResponses() },
      },
    },
    async (request) => {
      const found = await store.getNotification(request.params.id);
      if (!found) throw notFound('notification');
      return { items: (await store.listDeliveries(found.id, request.query.limit ?? 50)).map(presentDelivery) };
    },
  );
}

/** The URL's path and query may be its token (Slack's path is): only scheme, host and port are shown. */
export function maskWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const rest = parsed.pathname === '/' && parsed.search === '' ? '' : `/${SECRET_MASK}`;
    return `${parsed.origin}${rest}`;
  } catch {
    return SECRET_MASK;
  }
}

function presentNotification(n: Notification) {
  return { id: n.id, projectId: n.projectId, name: n.name, url: maskWebhookUrl(n.url), events: n.events, format: n.format, signed: n.signed, createdAt: n.createdAt };
}

function presentDelivery(d: NotificationDelivery & { tryLog: NotificationTry[] }) {
  return {
    id: d.id,
    notificationId: d.notificationId,
    event: d.event,
    status: d.status,
    tries: d.tries,
    nextTryAt: d.status === 'PENDING' ? d.nextTryAt : null,
    createdAt: d.createdAt,
    endedAt: d.endedAt,
    body: d.payload,
    attempts: d.tryLog,
  };
}
