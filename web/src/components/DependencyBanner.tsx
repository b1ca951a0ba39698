import { useEffect, useState } from 'react';
import { API_BASE } from '../api/client.js';

/** One thing the server depends on that does not answer, as GET /readyz names it in error.details. */
interface Unavailable {
  name: string;
  address?: string;
  message?: string;
}

const NAMES: Record<string, string> = { docker: 'Docker Engine' };

function unavailableOf(body: unknown, status: number): Unavailable[] {
  const error = (body as { error?: { message?: unknown; details?: unknown } } | null)?.error;
  const details = Array.isArray(error?.details) ? (error.details as Unavailable[]).filter((d) => typeof d?.name === 'string') : [];
  if (details.length > 0) return details;
  return [{ name: 'slipway', message: typeof error?.message === 'string' ? error.message : `not ready (HTTP ${status})` }];
}

/**
 * A banner above every page while a dependency of the server does not answer (the Docker Engine:
 * where it was looked for and how to fix it), read from GET /readyz every few seconds; gone
 * once it answers.
 */
export function DependencyBanner({ everyMs = 10_000 }: { everyMs?: number }) {
  const [unavailable, setUnavailable] = useState<Unavailable[]>([]);
  useEffect(() => {
    let stopped = false;
    const check = async (): Promise<void> => {
      try {
        const response = await fetch(`${API_BASE}/readyz`);
        const next = response.ok ? [] : unavailableOf(await response.json().catch(() => null), response.status);
        if (!stopped) setUnavailable(next);
      } catch {
        // Slipway itself unreachable: the Live indicator already says so.
      }
    };
    void check();
    const timer = setInterval(() => void check(), everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [everyMs]);

  if (unavailable.length === 0) return null;
  return (
    <div className="content" style={{ paddingBottom: 0 }}>
      <div className="form-error" role="alert" aria-label="Server dependencies unavailable">
        {unavailable.map((d) => (
          <p key={d.name} style={{ margin: '0.2rem 0' }}>
            <strong>{NAMES[d.name] ?? d.name} unavailable.</strong> {d.message}
          </p>
        ))}
      </div>
    </div>
  );
}
