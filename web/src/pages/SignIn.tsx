import { useId, useState, type FormEvent } from 'react';
import { ApiRequestError, SlipwayClient } from '../api/client.js';
import type { Me } from '../api/types.js';

/** Sign in with an API token; its role (found by probing) decides what the console offers. */
export function SignIn({ onSignedIn }: { onSignedIn: (client: SlipwayClient, me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const client = new SlipwayClient(token.trim());
    try {
      onSignedIn(client, await client.whoami());
    } catch (err) {
      setError(err instanceof ApiRequestError && err.status === 401 ? 'This token is not valid.' : err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>
          <svg className="logo" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2v14H4z" fill="currentColor" /><path d="M14 6l6 10h-6z" fill="currentColor" opacity="0.7" /><path d="M2 18h20l-3 4H5z" fill="currentColor" /></svg> Slipway
        </h1>
        <p className="muted">Sign in with an API token (admin, deployer or viewer).</p>
        <label htmlFor={id}>API token</label>
        <input
          id={id}
          name="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          required
          autoFocus
        />
        {error ? (
          <p id={`${id}-error`} className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
