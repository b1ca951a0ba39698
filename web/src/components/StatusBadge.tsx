import { statusLabel, toneOf, toneWord } from '../status.js';

/** A status as a badge: same colour and wording for the same status on every page. */
export function StatusBadge({ status, kind = 'deployment', label }: { status: string | null | undefined; kind?: 'deployment' | 'running' | 'run'; label?: string }) {
  const value = status ?? 'UNKNOWN';
  const tone = toneOf(value, kind);
  return (
    <span className={`badge tone-${tone}`} data-status={value} data-tone={tone} title={`${statusLabel(value)} (${toneWord(tone)})`}>
      {label ? <span className="visually-hidden">{label}: </span> : null}
      <span className="badge-dot" aria-hidden="true" />
      {statusLabel(value)}
    </span>
  );
}
