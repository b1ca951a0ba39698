import { useEffect, useState, type FormEvent } from 'react';
import type { Delivery, Notification, NotificationEvent } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { ConfirmDialog, Dialog } from '../components/Dialog.js';
import { CheckField, FormErrorsProvider, SelectField, TextField, UnclaimedErrors } from '../components/Fields.js';
import { useToast } from '../components/Toasts.js';
import { formatTime } from '../format.js';
import { Link } from '../router.js';
import { can, useSession } from '../session.js';
import { useSubmit } from './ProjectForms.js';

const EVENTS: Array<[NotificationEvent, string]> = [
  ['deployment.succeeded', 'a deployment succeeded'],
  ['deployment.failed', 'a deployment failed'],
  ['deployment.canceled', 'a deployment was canceled'],
  ['service.crashed', 'an instance crashed (exited or restarted outside a deployment)'],
];

/** A project's notifications (webhooks): the list, adding one, deleting, and each one's deliveries with every try. */
export function NotificationsPage({ projectId }: { projectId: string }) {
  const { client, role } = useSession();
  const project = useLoad(() => client.project(projectId), [client, projectId]);
  const list = useLoad(() => client.notifications(projectId), [client, projectId]);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Notification | null>(null);
  const [showing, setShowing] = useState<Notification | null>(null);

  useEffect(() => {
    if (project.data) document.title = `Notifications · ${project.data.name} · Slipway`;
  }, [project.data]);

  if (project.error) return <ErrorNote error={project.error} />;
  if (!project.data) return <Loading what="the project" />;
  const admin = can(role, 'admin');

  return (
    <section aria-labelledby="notifications-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span> <span>{project.data.name}</span> <span aria-hidden="true">/</span> <span>Notifications</span>
      </nav>
      <div className="page-head">
        <div>
          <h1 id="notifications-title">Notifications of {project.data.name}</h1>
          <p className="muted">Webhooks this project&apos;s events are sent to. A failed delivery is tried again, 5 tries over about 10 minutes.</p>
        </div>
        {admin ? (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add notification
          </button>
        ) : null}
      </div>
      <ErrorNote error={list.error} />
      {!list.data && !list.error ? <Loading what="notifications" /> : null}
      {list.data && list.data.length === 0 ? <p className="muted">No notification yet.{admin ? ' Add one to be told when a deployment fails.' : ''}</p> : null}
      {list.data && list.data.length > 0 ? (
        <div className="table-wrap">
          <table className="table notifications">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Format</th>
                <th scope="col" className="actions-cell">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((n) => (
                <tr key={n.id} data-notification={n.name}>
                  <th scope="row">{n.name}</th>
                  <td>
                    <code>{n.url}</code>
                    {n.signed ? <span className="muted"> · signed</span> : null}
                  </td>
                  <td>{n.events.join(', ')}</td>
                  <td>{n.format}</td>
                  <td className="actions-cell">
                    <span className="head-actions">
                      <button type="button" className="small" onClick={() => setShowing(n)}>
                        Deliveries
                      </button>
                      {admin ? (
                        <button type="button" className="small danger" onClick={() => setRemoving(n)} aria-label={`Delete notification ${n.name}`}>
                          Delete
                        </button>
                      ) : null}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {adding ? (
        <AddNotificationDialog
          projectId={projectId}
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            void list.reload();
          }}
        />
      ) : null}
      {removing ? (
        <RemoveDialog
          notification={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setRemoving(null);
            void list.reload();
          }}
        />
      ) : null}
      {showing ? <DeliveriesDialog notification={showing} onClose={() => setShowing(null)} /> : null}
    </section>
  );
}

/** What the browser can tell before asking the server: plain words next to the field. */
function checkLocally(name: string, url: string, events: NotificationEvent[], secret: string) {
  const errors: Array<{ field: string; message: string }> = [];
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) errors.push({ field: 'body/name', message: 'use lower-case letters, digits and -, starting and ending with a letter or digit' });
  if (!/^https?:\/\/\S+$/.test(url)) errors.push({ field: 'body/url', message: 'an http:// or https:// address' });
  if (events.length === 0) errors.push({ field: 'body/events', message: 'choose at least one event' });
  if (secret !== '' && secret.length < 8) errors.push({ field: 'body/secret', message: 'at least 8 characters, or none' });
  return errors;
}

function AddNotificationDialog({ projectId, onClose, onAdded }: { projectId: string; onClose: () => void; onAdded: () => void }) {
  const { client } = useSession();
  const toast = useToast();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<'json' | 'slack'>('json');
  const [secret, setSecret] = useState('');
  const [events, setEvents] = useState<NotificationEvent[]>(['deployment.failed']);
  const [localErrors, setLocalErrors] = useState<Array<{ field: string; message: string }>>([]);
  const { fieldErrors, formError, busy, submit } = useSubmit();

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const local = checkLocally(name.trim(), url.trim(), events, secret);
    setLocalErrors(local);
    if (local.length > 0) return;
    void submit(async () => {
      await client.createNotification(projectId, { name: name.trim(), url: url.trim(), events, format, ...(secret ? { secret } : {}) });
      toast(`Notification ${name.trim()} added`);
      onAdded();
    });
  };

  return (
    <Dialog title="Add notification" onClose={onClose} wide>
      <form className="form dialog-body" onSubmit={onSubmit} noValidate aria-label="Add notification">
        <FormErrorsProvider errors={localErrors.length > 0 ? localErrors : fieldErrors}>
          <TextField path="name" label="Name" hint="a DNS label, e.g. ops-slack" value={name} onChange={setName} required />
          <TextField path="url" label="URL" type="url" hint="where deliveries are POSTed; a Slack incoming-webhook URL for the slack format" value={url} onChange={setUrl} required />
          <SelectField path="format" label="Format" value={format} onChange={(v) => setFormat(v === 'slack' ? 'slack' : 'json')} options={[['json', 'JSON (the event as JSON)'], ['slack', 'Slack message']]} />
          <fieldset className="field" data-path="events">
            <legend>Events</legend>
            {EVENTS.map(([event, words]) => (
              <CheckField
                key={event}
                path={`events-${event}`}
                label={`${event}: ${words}`}
                checked={events.includes(event)}
                onChange={(on) => setEvents((list) => (on ? [...list, event] : list.filter((e) => e !== event)))}
              />
            ))}
          </fieldset>
          {localErrors.some((e) => e.field === 'body/events') ? (
            <p className="form-error" role="alert">
              Choose at least one event.
            </p>
          ) : null}
          <TextField path="secret" label="Secret (optional)" type="password" hint="signs each delivery: X-Slipway-Signature-256 = sha256 HMAC of the body; never shown again" value={secret} onChange={setSecret} />
          <UnclaimedErrors />
          {formError ? (
            <p className="form-error" role="alert">
              {formError}
            </p>
          ) : null}
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              Back
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Add notification'}
            </button>
          </div>
        </FormErrorsProvider>
      </form>
    </Dialog>
  );
}

function RemoveDialog({ notification, onClose, onRemoved }: { notification: Notification; onClose: () => void; onRemoved: () => void }) {
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <ConfirmDialog
      title={`Delete notification ${notification.name}?`}
      message="Its deliveries go with it; those still waiting for a retry are not sent."
      confirmLabel="Delete"
      danger
      busy={busy}
      error={error}
      onClose={onClose}
      onConfirm={() => {
        setBusy(true);
        client.deleteNotification(notification.id).then(onRemoved, (err: unknown) => {
          setBusy(false);
          setError(err instanceof Error ? err.message : String(err));
        });
      }}
    />
  );
}

function DeliveriesDialog({ notification, onClose }: { notification: Notification; onClose: () => void }) {
  const { client } = useSession();
  const { data, error, reload } = useLoad<Delivery[]>(() => client.deliveries(notification.id), [client, notification.id]);
  return (
    <Dialog title={`Deliveries of ${notification.name}`} onClose={onClose} wide>
      <div className="dialog-body">
        <p className="muted">
          Newest first. <button type="button" className="small" onClick={() => void reload()}>Refresh</button>
        </p>
        <ErrorNote error={error} />
        {!data && !error ? <Loading what="deliveries" /> : null}
        {data && data.length === 0 ? <p className="muted">Nothing sent yet.</p> : null}
        <ol className="deliveries" aria-label="Deliveries">
          {data?.map((d) => (
            <li key={d.id} className="card delivery" data-delivery={d.id}>
              <div className="card-head">
                <strong>{d.event}</strong>
                <span className="muted">{formatTime(d.createdAt)}</span>
                <DeliveryBadge status={d.status} />
              </div>
              <p className="muted">
                {d.tries} {d.tries === 1 ? 'try' : 'tries'}
                {d.nextTryAt ? ` · next try ${formatTime(d.nextTryAt)}` : ''} · delivery id <code>{d.id}</code>
              </p>
              <table className="table tries">
                <thead>
                  <tr>
                    <th scope="col">Try</th>
                    <th scope="col">At</th>
                    <th scope="col">Answer</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {d.attempts.map((a) => (
                    <tr key={a.number} data-try={a.number}>
                      <td>{a.number}</td>
                      <td>{formatTime(a.startedAt)} <span className="muted">({a.durationMs} ms)</span></td>
                      <td>{a.statusCode ?? 'none'}</td>
                      <td>{a.error ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </li>
          ))}
        </ol>
      </div>
    </Dialog>
  );
}

/** A delivery's status in the badges' colours: delivered, failed after its last try, or waiting for a try. */
function DeliveryBadge({ status }: { status: Delivery['status'] }) {
  const tone = status === 'DELIVERED' ? 'success' : status === 'FAILED' ? 'error' : 'progress';
  const words = status === 'DELIVERED' ? 'Delivered' : status === 'FAILED' ? 'Failed' : 'Pending';
  return (
    <span className={`badge tone-${tone}`} data-status={status} data-tone={tone}>
      <span className="badge-dot" aria-hidden="true" />
      {words}
    </span>
  );
}
