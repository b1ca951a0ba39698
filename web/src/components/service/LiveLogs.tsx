import { useEffect, useMemo, useRef, useState } from 'react';
import { readServiceLogs } from '../../api/ndjson.js';
import type { Instance, RuntimeLogLine } from '../../api/types.js';
import { useSession } from '../../session.js';

/** How many lines the page keeps: a chatty service must not grow the tab's memory. */
export const MAX_LINES = 2_000;
const TAIL = 200;
const RETRY_MS = 3_000;

interface Shown extends RuntimeLogLine {
  key: number;
}

/** Appends, then drops the oldest lines beyond MAX_LINES. */
export function appendBounded<T>(kept: readonly T[], added: readonly T[], max = MAX_LINES): T[] {
  const all = kept.concat(added);
  return all.length > max ? all.slice(all.length - max) : all;
}

/**
 * The service's runtime logs as they are printed: the follow stream of `GET …/logs`, a text
 * filter, pause (lines received while paused are held, then shown), and one instance or all.
 */
export function LiveLogs({ serviceId, instances }: { serviceId: string; instances: readonly Instance[] }) {
  const { client } = useSession();
  const [lines, setLines] = useState<Shown[]>([]);
  const [filter, setFilter] = useState('');
  const [instance, setInstance] = useState('');
  const [paused, setPaused] = useState(false);
  const [state, setState] = useState<'connecting' | 'live' | 'ended' | 'error'>('connecting');
  const [error, setError] = useState<string | null>(null);
  const held = useRef<Shown[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const counter = useRef(0);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const controller = new AbortController();
    let retry: ReturnType<typeof setTimeout> | null = null;
    setLines([]);
    held.current = [];
    const receive = (received: RuntimeLogLine[]) => {
      const shown = received.map((l) => ({ ...l, key: counter.current++ }));
      if (pausedRef.current) held.current = appendBounded(held.current, shown);
      else setLines((kept) => appendBounded(kept, shown));
    };
    const open = (first: boolean) => {
      setState('connecting');
      const query = { follow: true, tail: first ? TAIL : 0, ...(instance ? { instance } : {}) };
      readServiceLogs(client, serviceId, query, receive, controller.signal, () => {
        setState('live');
        setError(null);
      }).then(
        () => {
          if (controller.signal.aborted) return;
          // The stream ends when the instances stop; look again later for new ones.
          setState('ended');
          retry = setTimeout(() => open(false), RETRY_MS);
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setState('error');
          setError(err instanceof Error ? err.message : String(err));
          retry = setTimeout(() => open(false), RETRY_MS);
        },
      );
    };
    open(true);
    return () => {
      controller.abort();
      if (retry) clearTimeout(retry);
    };
  }, [client, serviceId, instance]);

  const resume = () => {
    // Taken now: React may run the updater after held is emptied.
    const release = held.current;
    held.current = [];
    setLines((kept) => appendBounded(kept, release));
    setPaused(false);
  };

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return needle ? lines.filter((l) => l.line.toLowerCase().includes(needle)) : lines;
  }, [lines, filter]);

  // Follows the end unless the reader scrolled up.
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [shown]);

  return (
    <div className="live-logs">
      <div className="log-toolbar">
        <label>
          Filter{' '}
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="text in the line" aria-label="Filter log lines" />
        </label>
        <label>
          Instance{' '}
          <select value={instance} onChange={(e) => setInstance(e.target.value)} aria-label="Instance">
            <option value="">All instances</option>
            {instances.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        {paused ? (
          <button type="button" className="small" onClick={resume}>
            Resume
          </button>
        ) : (
          <button type="button" className="small" onClick={() => setPaused(true)}>
            Pause
          </button>
        )}
        <span className="muted" role="status" data-testid="log-state">
          {paused ? 'Paused' : state === 'live' ? 'Following' : state === 'connecting' ? 'Connecting…' : state === 'ended' ? 'No running instance; looking again…' : `Cannot read logs: ${error ?? ''}`}
          {' · '}
          {shown.length === lines.length ? `${lines.length} lines` : `${shown.length} of ${lines.length} lines`}
          {lines.length >= MAX_LINES ? ` (the last ${MAX_LINES} kept)` : ''}
        </span>
      </div>
      <div
        className="logs runtime-log"
        ref={box}
        tabIndex={0}
        role="log"
        aria-label="Runtime logs"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {shown.length === 0 ? <p className="muted">No lines yet.</p> : null}
        {shown.map((l) => (
          <div key={l.key} className={l.stream === 'stderr' ? 'log-line stderr' : 'log-line'} data-testid="runtime-log-line">
            <time dateTime={l.ts} className="log-ts">
              {l.ts.slice(11, 23)}
            </time>{' '}
            {instances.length > 1 ? <span className="log-instance">{l.instance.slice(0, 12)} </span> : null}
            <span className="log-text">{l.line}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
