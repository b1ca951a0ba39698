import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiRequestError } from '../../api/client.js';
import type { FieldError, Variable } from '../../api/types.js';
import { can, useSession } from '../../session.js';
import { ErrorNote, Loading, useLoad } from '../Async.js';
import { ConfirmDialog } from '../Dialog.js';
import { CheckField, FormErrorsProvider, TextField, UnclaimedErrors } from '../Fields.js';
import { useToast } from '../Toasts.js';
import { draftProblems, toVariable, type VariableDraft } from './rules.js';
import '../../teams.css';

type Scope = 'projects' | 'environments';

/** Which row is open: a new one, or the stored one at `index`. */
type Editing = { index: number; isNew: boolean; wasSecret: boolean } | null;

/**
 * The variables of a project or an environment (docs/teams.md#variables): listed, added, edited
 * and deleted one at a time, each change sending the whole list (`PUT …/variables`). A secret's
 * value is write-only: never shown, an empty field keeps it. Admins change them; other roles see
 * the controls disabled with the role they need.
 */
export function VariablesEditor({ scope, id, scopeName, onSaved }: { scope: Scope; id: string; scopeName: string; onSaved?: () => void }) {
  const { client, role } = useSession();
  const toast = useToast();
  const { data, setData, error } = useLoad(() => client.variables(scope, id), [client, scope, id]);
  const [editing, setEditing] = useState<Editing>(null);
  const [draft, setDraft] = useState<VariableDraft>({ key: '', value: '', secret: false });
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<Variable | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const noteId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  // The opened form takes the focus; once it closes the focus goes back to "Add variable".
  useEffect(() => {
    if (editing) formRef.current?.querySelector<HTMLInputElement>(editing.isNew ? '[data-path$="/key"]' : '[data-path$="/value"]')?.focus();
    else if (wasEditing.current) addRef.current?.focus();
    wasEditing.current = editing !== null;
  }, [editing]);
  // A refused field takes the focus, so that its message is read out with it.
  useEffect(() => {
    if (problems.length > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [problems]);
  const admin = can(role, 'admin');
  const roleNote = admin ? undefined : noteId;

  if (error && !data) return <ErrorNote error={error} />;
  if (!data) return <Loading what="the variables" />;
  const list = data;

  /** Sends the whole list; a secret not retyped goes back as the mask, which keeps it. */
  const save = async (next: Variable[]) => {
    const saved = await client.setVariables(scope, id, next);
    setData(saved);
    // The services it reaches now show Pending changes.
    onSaved?.();
  };

  const open = (index: number | null) => {
    const stored = index === null ? undefined : list[index];
    setEditing(stored ? { index: index!, isNew: false, wasSecret: stored.secret } : { index: list.length, isNew: true, wasSecret: false });
    // A secret's value is never shown back: the field starts empty and, left so, keeps it.
    setDraft(stored ? { key: stored.key, value: stored.secret ? '' : stored.value, secret: stored.secret } : { key: '', value: '', secret: false });
    setProblems([]);
    setFormError(null);
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!editing) return;
    const others = list.filter((_, i) => editing.isNew || i !== editing.index);
    const draftFixed = { ...draft, key: draft.key.trim() };
    const found = draftProblems(draftFixed, editing.index, others, editing.wasSecret);
    setProblems(found);
    setFormError(null);
    if (found.length > 0) return;
    const variable = toVariable(draftFixed, editing.wasSecret);
    const next = editing.isNew ? [...list, variable] : list.map((v, i) => (i === editing.index ? variable : v));
    setBusy(true);
    try {
      await save(next);
      toast(`${variable.key} saved: services of this ${scopeName} get it at their next deploy`);
      setEditing(null);
    } catch (err) {
      if (err instanceof ApiRequestError) {
        setProblems(err.details);
        setFormError(err.message);
      } else setFormError(String(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!deleting) return;
    setBusy(true);
    setDeleteError(null);
    try {
      await save(list.filter((v) => v.key !== deleting.key));
      toast(`${deleting.key} deleted: services of this ${scopeName} lose it at their next deploy`);
      setDeleting(null);
      setEditing(null);
    } catch (err) {
      setDeleteError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="variables" data-scope={scope}>
      {admin ? null : (
        <p id={noteId} className="muted role-note">
          Changing variables needs the admin role; your token has the {role} role.
        </p>
      )}
      {list.length === 0 ? <p className="muted">No variable in this {scopeName} yet.</p> : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table className="table variables-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col" className="actions-cell">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((v, i) => (
                <tr key={v.key} data-variable={v.key}>
                  <th scope="row">
                    <code>{v.key}</code>
                  </th>
                  <td data-testid="variable-value">
                    {v.secret ? (
                      <span className="secret-value">
                        <span className="chip">secret</span> <span className="muted">hidden: never shown again</span>
                      </span>
                    ) : (
                      <code className="plain-value">{v.value === '' ? <span className="muted">(empty)</span> : v.value}</code>
                    )}
                  </td>
                  <td className="actions-cell">
                    <span className="head-actions">
                      <button type="button" className="small" disabled={!admin} aria-describedby={roleNote} aria-label={`Edit ${v.key}`} onClick={() => open(i)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="small"
                        disabled={!admin}
                        aria-describedby={roleNote}
                        aria-label={`Delete ${v.key}`}
                        onClick={() => {
                          setDeleteError(null);
                          setDeleting(v);
                        }}
                      >
                        Delete
                      </button>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {editing ? (
        <form ref={formRef} className="card form variable-form" onSubmit={(e) => void onSubmit(e)} aria-label={editing.isNew ? 'New variable' : `Edit ${list[editing.index]?.key ?? ''}`} noValidate>
          <h3>{editing.isNew ? `New variable of this ${scopeName}` : `Edit ${list[editing.index]?.key ?? ''}`}</h3>
          <FormErrorsProvider errors={problems}>
            <div className="field-row">
              <TextField
                path={`${editing.index}/key`}
                label="Name"
                hint="letters, digits and _, not starting with a digit"
                value={draft.key}
                onChange={(key) => setDraft((d) => ({ ...d, key }))}
                required
              />
              <TextField
                path={`${editing.index}/value`}
                label="Value"
                type={draft.secret ? 'password' : 'text'}
                {...(editing.wasSecret ? { placeholder: 'unchanged: type to replace it' } : {})}
                {...(draft.secret ? { hint: 'write-only: it is never shown again once saved' } : {})}
                value={draft.value}
                onChange={(value) => setDraft((d) => ({ ...d, value }))}
              />
            </div>
            <CheckField
              path={`${editing.index}/secret`}
              label="Secret"
              hint="encrypted at rest, masked in every answer and redacted from logs"
              checked={draft.secret}
              onChange={(secret) => setDraft((d) => ({ ...d, secret }))}
            />
            <UnclaimedErrors />
            {formError ? (
              <p className="form-error" role="alert">
                {formError}
              </p>
            ) : null}
            <div className="form-actions">
              <button type="button" onClick={() => setEditing(null)}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={busy}>
                {busy ? 'Saving…' : editing.isNew ? 'Add variable' : 'Save variable'}
              </button>
            </div>
          </FormErrorsProvider>
        </form>
      ) : (
        <p>
          <button ref={addRef} type="button" disabled={!admin} aria-describedby={roleNote} onClick={() => open(null)}>
            Add variable
          </button>
        </p>
      )}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.key}?`}
          message={`Services of this ${scopeName} that use it lose it at their next deploy (a service's own value, if it has one, stays).`}
          confirmLabel="Delete variable"
          danger
          busy={busy}
          error={deleteError}
          onConfirm={() => void remove()}
          onClose={() => setDeleting(null)}
        />
      ) : null}
    </div>
  );
}
