import { useState } from 'react';
import type { DatabaseConnection as Connection } from '../../api/types.js';
import { useSession } from '../../session.js';
import { ErrorNote, Loading, useLoad } from '../Async.js';
import { useToast } from '../Toasts.js';

const MASK = '••••••••';

function CopyButton({ what, value }: { what: string; value: string }) {
  const toast = useToast();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      toast(`${what} copied`);
    } catch {
      toast(`Cannot copy the ${what.toLowerCase()}: the browser refused the clipboard`, 'error');
    }
  };
  return (
    <button type="button" className="small" onClick={() => void copy()} aria-label={`Copy ${what.toLowerCase()}`}>
      Copy
    </button>
  );
}

function Row({ label, value, secret = false, revealed = true }: { label: string; value: string; secret?: boolean; revealed?: boolean }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        <code data-testid={`connection-${label.toLowerCase()}`}>{secret && !revealed ? MASK : value || '—'}</code>
        {value ? <CopyButton what={label} value={value} /> : null}
      </dd>
    </>
  );
}

/**
 * A container database's connection settings, read only when a deployer opens the page (the API
 * refuses viewers); the password and the URL holding it stay hidden until asked for.
 */
export function DatabaseConnection({ serviceId }: { serviceId: string }) {
  const { client } = useSession();
  const [revealed, setRevealed] = useState(false);
  const { data, error } = useLoad<Connection>(() => client.databaseConnection(serviceId), [client, serviceId]);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="the connection settings" />;
  return (
    <div className="connection card">
      <dl>
        <Row label="Host" value={data.host} />
        <Row label="Port" value={String(data.port)} />
        {data.user ? <Row label="User" value={data.user} /> : null}
        <Row label="Password" value={data.password} secret revealed={revealed} />
        {data.database ? <Row label="Database" value={data.database} /> : null}
        <Row label="URL" value={data.url} secret revealed={revealed} />
      </dl>
      <button type="button" className="small" aria-pressed={revealed} onClick={() => setRevealed(!revealed)}>
        {revealed ? 'Hide password' : 'Show password'}
      </button>
      <p className="muted">The host is the name the other services of the environment reach the database by; they get these values in their env.</p>
    </div>
  );
}
