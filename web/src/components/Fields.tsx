import { createContext, useContext, useId, useRef, type ReactNode } from 'react';
import type { FieldError } from '../api/types.js';

/**
 * Form fields that show the API's validation errors next to themselves. The API names a field
 * as `body/<json pointer>` (`body/source/image/tag`, `body/settings/ports/0/containerPort`); each
 * field declares its pointer, and errors no field claimed are listed by <UnclaimedErrors/>.
 */
interface ErrorsContext {
  byPath: Map<string, string[]>;
  claimed: Set<string>;
}

const FormErrors = createContext<ErrorsContext>({ byPath: new Map(), claimed: new Set() });

export function pathOf(field: string): string {
  return field.replace(/^body\/?/, '');
}

export function FormErrorsProvider({ errors, children }: { errors: FieldError[]; children: ReactNode }) {
  const claimed = useRef(new Set<string>());
  claimed.current = new Set();
  const byPath = new Map<string, string[]>();
  for (const e of errors) {
    const key = pathOf(e.field);
    byPath.set(key, [...(byPath.get(key) ?? []), e.message]);
  }
  return <FormErrors.Provider value={{ byPath, claimed: claimed.current }}>{children}</FormErrors.Provider>;
}

function useFieldError(path: string): string | null {
  const ctx = useContext(FormErrors);
  ctx.claimed.add(path);
  const messages = ctx.byPath.get(path);
  return messages ? messages.join('; ') : null;
}

/** Errors whose field is not shown as an input (the whole body, a parent object): listed here. Render it after the fields. */
export function UnclaimedErrors() {
  const ctx = useContext(FormErrors);
  const rest = [...ctx.byPath.entries()].filter(([path]) => !ctx.claimed.has(path));
  if (rest.length === 0) return null;
  return (
    <ul className="form-error unclaimed" aria-label="Other problems">
      {rest.map(([path, messages]) => (
        <li key={path}>
          <code>{path || 'body'}</code>: {messages.join('; ')}
        </li>
      ))}
    </ul>
  );
}

interface BaseProps {
  path: string;
  label: string;
  hint?: string;
  className?: string;
}

function Described({ id, hint, error }: { id: string; hint?: string | undefined; error: string | null }) {
  return (
    <>
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="field-error" data-field-error={true}>
          {error}
        </span>
      ) : null}
    </>
  );
}

function describedBy(id: string, hint: string | undefined, error: string | null): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function TextField({
  path,
  label,
  hint,
  className,
  value,
  onChange,
  type = 'text',
  placeholder,
  required,
  multiline,
}: BaseProps & {
  value: string;
  onChange: (v: string) => void;
  type?: 'text' | 'number' | 'url' | 'password';
  placeholder?: string;
  required?: boolean;
  multiline?: boolean;
}) {
  const id = useId();
  const error = useFieldError(path);
  const common = {
    id,
    name: path,
    value,
    placeholder,
    required,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy(id, hint, error),
    'data-path': path,
  } as const;
  return (
    <div className={`field ${className ?? ''} ${error ? 'has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={3} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...common} type={type} onChange={(e) => onChange(e.target.value)} />
      )}
      <Described id={id} hint={hint} error={error} />
    </div>
  );
}

export function SelectField({
  path,
  label,
  hint,
  className,
  value,
  onChange,
  options,
  disabled,
}: BaseProps & { value: string; onChange: (v: string) => void; options: Array<[string, string]>; disabled?: boolean }) {
  const id = useId();
  const error = useFieldError(path);
  return (
    <div className={`field ${className ?? ''} ${error ? 'has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={path}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        data-path={path}
      >
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      <Described id={id} hint={hint} error={error} />
    </div>
  );
}

export function CheckField({ path, label, hint, className, checked, onChange }: BaseProps & { checked: boolean; onChange: (v: boolean) => void }) {
  const id = useId();
  const error = useFieldError(path);
  return (
    <div className={`field check-field ${className ?? ''} ${error ? 'has-error' : ''}`}>
      <label htmlFor={id} className="check">
        <input
          id={id}
          type="checkbox"
          name={path}
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, hint, error)}
          data-path={path}
        />{' '}
        {label}
      </label>
      <Described id={id} hint={hint} error={error} />
    </div>
  );
}

/** Turns a text input into a number for the body; an empty input is left out. */
export function num(v: string): number | undefined {
  if (v.trim() === '') return undefined;
  return Number(v);
}
