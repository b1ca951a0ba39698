/**
 * Server-sent events read with fetch, not EventSource: EventSource cannot send the
 * Authorization header, and a token in the URL would end up in logs and history.
 * Reconnects with a growing delay and resumes with Last-Event-ID, as EventSource does.
 */

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

export interface SseOptions {
  headers: Record<string, string>;
  onMessage: (message: SseMessage) => void;
  /** Called with true once the stream is open, false when it dropped. */
  onState?: (open: boolean) => void;
  /** Stop for good after an event of this name (the log follow's `end`). */
  endEvent?: string;
  /** Called when the stream ended for good (endEvent seen, or a 4xx answer). */
  onEnd?: () => void;
}

/** Parses an SSE byte stream into messages (the subset of the format Slipway writes, plus multi-line data). */
export function createSseParser(onMessage: (m: SseMessage) => void): (chunk: string) => void {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  return (chunk) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1));
      if (line === '') {
        if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), ...(id === undefined ? {} : { id }) });
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  };
}

/** Opens the stream; the returned function closes it. */
export function openSse(url: string, options: SseOptions): () => void {
  const controller = new AbortController();
  let lastEventId: string | undefined;
  let delay = 500;
  let stopped = false;

  const run = async (): Promise<void> => {
    while (!stopped) {
      let ended = false;
      try {
        const response = await fetch(url, {
          headers: { ...options.headers, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (response.status >= 400 && response.status < 500) {
          // Not found or not allowed: retrying will not help.
          stopped = true;
          options.onEnd?.();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        options.onState?.(true);
        delay = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        const parse = createSseParser((message) => {
          if (message.id !== undefined) lastEventId = message.id;
          options.onMessage(message);
          if (options.endEvent && message.event === options.endEvent) ended = true;
        });
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parse(value);
          if (ended) {
            await reader.cancel();
            break;
          }
        }
      } catch {
        // Dropped or refused: retried below unless closed.
      }
      if (ended) {
        stopped = true;
        options.onEnd?.();
        return;
      }
      if (stopped) return;
      options.onState?.(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  };
  void run();
  return () => {
    stopped = true;
    controller.abort();
  };
}
