import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { API_BASE, type SlipwayClient } from './api/client.js';
import { openSse } from './api/sse.js';
import type { SlipwayEvent } from './api/types.js';

/**
 * One `GET /events` stream for the whole console. Pages subscribe to the events they show; after
 * the stream dropped and came back, subscribers get `null` (a resync): events may have been missed,
 * so they reload what they show.
 */
type Listener = (event: SlipwayEvent | null) => void;

interface Hub {
  subscribe(listener: Listener): () => void;
  live: boolean;
}

const EventsContext = createContext<Hub | null>(null);

export function EventsProvider({ client, children }: { client: SlipwayClient; children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [live, setLive] = useState(false);
  useEffect(() => {
    let wasOpen = false;
    return openSse(`${API_BASE}/events`, {
      headers: client.headers(),
      onState: (open) => {
        setLive(open);
        if (open && wasOpen) listeners.current.forEach((l) => l(null));
        if (open) wasOpen = true;
      },
      onMessage: (message) => {
        let event: SlipwayEvent;
        try {
          event = JSON.parse(message.data) as SlipwayEvent;
        } catch {
          return;
        }
        listeners.current.forEach((l) => l(event));
      },
    });
  }, [client]);
  const hub: Hub = {
    live,
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => {
        listeners.current.delete(listener);
      };
    },
  };
  return <EventsContext.Provider value={hub}>{children}</EventsContext.Provider>;
}

/** Calls `listener` for every event (null: resync); the latest listener is always used. */
export function useEvents(listener: Listener): void {
  const hub = useContext(EventsContext);
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => hub?.subscribe((e) => ref.current(e)), [hub]);
}

export function useLive(): boolean {
  return useContext(EventsContext)?.live ?? false;
}

/** A function that runs `fn` at most once per `ms`, trailing: bursts of events cause one reload. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const ref = useRef(fn);
  ref.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const stable = useRef(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      ref.current();
    }, ms);
  });
  return stable.current;
}
