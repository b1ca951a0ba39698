import { useEffect, useId, useState, type FormEvent } from 'react';
import type { AuditEvent, AuditQuery, Project } from '../api/types.js';
import { ErrorNote, Loading, useLoad } from '../components/Async.js';
import { SelectField, TextField } from '../components/Fields.js';
import { formatTime, relativeTime } from '../format.js';
import { Link, navigate } from '../router.js';
import { can, unlimited, useSession } from '../session.js';
import '../teams.css';

const PAGE_SIZE = 25;
const FILTERS = ['projectId', 'tokenName', 'action', 'resourceType', 'resourceId', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const NO_FILTER: Filters = { projectId: '', tokenName: '', action: '', resourceType: '', resourceId: '', since: '', until: '' };

/** Suggestions: what the API records (docs/teams.md#audit-log); any other value may be typed. */
const ACTIONS = ['create', 'update', 'delete', 'deploy', 'redeploy', 'stop', 'restart', 'cancel', 'deploy-latest', 'clone', 'rollback'];
const RESOURCES = ['project', 'environment', 'service', 'stage', 'notification', 'token', 'deployment', 'deployment-request', 'project.variables', 'environment.variables'];

/** The filters in the address (`/audit?tokenName=ci`), so that a filtered list can be linked to. */
function filtersFromUrl(): Filters {
  const params = new URLSearchParams(window.location.search);
  return Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Filters;
}

/** `2026-01-31T12:00:00.000Z` ↔ the local `2026-01-31T13:00` of a datetime-local input. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (iso === '' || Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(local: string, endOfMinute: boolean): string {
  const d = new Date(local);
  if (local === '' || Number.isNaN(d.getTime())) return '';
  // "until 12:05" includes what happened during 12:05.
  return new Date(d.getTime() + (endOfMinute ? 59_999 : 0)).toISOString();
}

function resourceHref(e: AuditEvent): string | null {
  if (!e.resourceId) return null;
  switch (e.resourceType) {
    case 'project':
      return `/#p-${e.resourceId}`;
    case 'project.variables':
      return `/projects/${e.resourceId}/variables`;
    case 'environment':
      return `/environments/${e.resourceId}`;
    case 'environment.variables':
      return `/environments/${e.resourceId}#variables`;
    case 'service':
      return `/services/${e.resourceId}`;
    case 'deployment':
      return `/deployments/${e.resourceId}`;
    default:
      return null;
  }
}

/** The audit log (`GET /audit`): who did what to which resource and when, filtered, page by page. Admins only. */
export function AuditPage() {
  const session = useSession();
  const { client, role } = session;
  const admin = can(role, 'admin');
  const [applied, setApplied] = useState<Filters>(filtersFromUrl);
  const [form, setForm] = useState<Filters>(() => ({ ...applied, since: toLocalInput(applied.since), until: toLocalInput(applied.until) }));
  // The cursor of each page shown so far: [undefined] is the newest page.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const listId = useId();

  useEffect(() => {
    document.title = 'Audit log · Slipway';
  }, []);

  const projects = useLoad<Project[]>(() => (admin ? client.projects() : Promise.resolve([])), [client, admin]);
  const page = useLoad(async () => {
    if (!admin) return { items: [] as AuditEvent[], nextCursor: undefined as string | undefined };
    const query: AuditQuery = { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) };
    for (const key of FILTERS) if (applied[key] !== '') (query as Record<string, string>)[key] = applied[key];
    return client.audit(query);
  }, [client, admin, applied, cursor]);

  if (!admin) {
    return (
      <section aria-labelledby="audit-title">
        <h1 id="audit-title">Audit log</h1>
        <p className="muted">The audit log needs the admin role; your token has the {role} role.</p>
      </section>
    );
  }

  const apply = (next: Filters) => {
    const normalized = { ...next, tokenName: next.tokenName.trim(), action: next.action.trim(), resourceType: next.resourceType.trim(), resourceId: next.resourceId.trim() };
    const effective = { ...normalized, since: fromLocalInput(normalized.since, false), until: fromLocalInput(normalized.until, true) };
    setApplied(effective);
    setCursors([undefined]);
    const params = new URLSearchParams(FILTERS.flatMap((k) => (effective[k] ? [[k, effective[k]]] : [])));
    const search = params.toString();
    navigate(`/audit${search ? `?${search}` : ''}`, { replace: true });
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    apply(form);
  };
  const set = (key: keyof Filters) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const projectName = (id: string | null) => (id ? (projects.data?.find((p) => p.id === id)?.name ?? 'deleted project') : '—');
  const now = Date.now();

  return (
    <section aria-labelledby="audit-title">
      <div className="page-head">
        <div>
          <h1 id="audit-title">Audit log</h1>
          <p className="muted">
            Every change and every action, newest first: who (the token&apos;s name), what, to which resource, which fields (never a value), when, and how it ended.
            {unlimited(session) ? '' : ' Your token sees the events of its projects alone.'}
          </p>
        </div>
      </div>

      <form className="card audit-filters" onSubmit={onSubmit} aria-label="Filter the audit log" role="search">
        <SelectField
          path="projectId"
          label="Project"
          value={form.projectId}
          onChange={set('projectId')}
          options={[['', 'Every project'], ...(projects.data ?? []).map((p): [string, string] => [p.id, p.name])]}
        />
        <TextField path="tokenName" label="Who (token name)" value={form.tokenName} onChange={set('tokenName')} placeholder="e.g. ci" />
        <div className="field">
          <label htmlFor={`${listId}-action`}>Action</label>
          <input id={`${listId}-action`} list={`${listId}-actions`} value={form.action} onChange={(e) => set('action')(e.target.value)} placeholder="e.g. deploy" />
          <datalist id={`${listId}-actions`}>
            {ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor={`${listId}-resource`}>Resource type</label>
          <input id={`${listId}-resource`} list={`${listId}-resources`} value={form.resourceType} onChange={(e) => set('resourceType')(e.target.value)} placeholder="e.g. service" />
          <datalist id={`${listId}-resources`}>
            {RESOURCES.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
        </div>
        <TextField path="resourceId" label="Resource id" value={form.resourceId} onChange={set('resourceId')} />
        <div className="field">
          <label htmlFor={`${listId}-since`}>From</label>
          <input id={`${listId}-since`} type="datetime-local" value={form.since} onChange={(e) => set('since')(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${listId}-until`}>To</label>
          <input id={`${listId}-until`} type="datetime-local" value={form.until} onChange={(e) => set('until')(e.target.value)} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="primary">
            Filter
          </button>
          <button
            type="button"
            onClick={() => {
              setForm(NO_FILTER);
              apply(NO_FILTER);
            }}
          >
            Clear
          </button>
        </div>
      </form>

      <ErrorNote error={page.error} />
      {!page.data && !page.error ? <Loading what="the audit log" /> : null}
      {page.data && page.data.items.length === 0 ? <p className="muted">No event matches{FILTERS.some((k) => applied[k]) ? ' these filters' : ''}.</p> : null}
      {page.data && page.data.items.length > 0 ? (
        <div className="table-wrap audit-wrap">
          <table className="table audit-table" aria-label="Audit events">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Project</th>
                <th scope="col">Fields</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((e) => {
                const href = resourceHref(e);
                return (
                  <tr key={e.id} data-audit={e.id}>
                    <td>
                      <time dateTime={e.at} title={formatTime(e.at)}>
                        {relativeTime(e.at, now)}
                      </time>
                    </td>
                    <td data-testid="audit-who">{e.tokenName}</td>
                    <td data-testid="audit-action">{e.action}</td>
                    <td data-testid="audit-resource">
                      {href ? <Link href={href}>{e.resourceType}</Link> : e.resourceType}
                      <span className="muted" title={`${e.method} ${e.path}`}>
                        {' '}
                        {e.method} <code>{e.path}</code>
                      </span>
                    </td>
                    <td>{projectName(e.projectId)}</td>
                    <td className="fields">{e.fields.length > 0 ? e.fields.join(', ') : <span className="muted">—</span>}</td>
                    <td>
                      <span className={e.statusCode < 400 ? 'status-ok' : 'status-refused'}>
                        {e.statusCode < 400 ? 'done' : 'refused'} ({e.statusCode})
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav className="pager" aria-label="Pages of the audit log">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </button>
        <span className="muted">Page {cursors.length}</span>
        <button type="button" disabled={!page.data?.nextCursor} onClick={() => setCursors((c) => [...c, page.data?.nextCursor])}>
          Older
        </button>
      </nav>
    </section>
  );
}
