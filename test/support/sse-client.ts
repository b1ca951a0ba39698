/**
 * A server-sent events client for end-to-end tests: reads `GET /api/v1/events` (or any SSE
 * route), keeps every event, and answers "which statuses did this service go through".
 */

export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
  /** Date.now() when it arrived. */
  at: number;
}

interface ServiceStatusData {
  serviceId?: string;
  status?: string;
  deploymentId?: string;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  private readonly controller = new AbortController();
  private readonly waiters = new Set<() => void>();
  private ended = false;
  private failure: Error | undefined;

  private constructor() {}

  /** Connects and resolves once the server sent its first bytes (the stream is open). */
  static async connect(url: string, token: string): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: client.controller.signal,
    });
    if (response.status !== 200 || !response.body) {
      throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    }
    const reader = response.body.getReader();
    // The server writes ": connected" at once: read it before saying the stream is open.
    const first = await reader.read();
    void client.pump(reader, first.done ? '' : new TextDecoder().decode(first.value));
    return client;
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>, initial: string): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = initial;
    try {
      for (;;) {
        buffer = this.parse(buffer);
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
      }
    } catch (error) {
      if (!this.controller.signal.aborted) this.failure = error as Error;
    } finally {
      this.ended = true;
      this.notify();
    }
  }

  /** Takes every complete event (blank-line terminated) out of the buffer; returns the rest. */
  private parse(buffer: string): string {
    let index: number;
    while ((index = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'id') id = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0) continue;
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      this.events.push({ event, ...(id !== undefined ? { id } : {}), data: parsed, at: Date.now() });
      this.notify();
    }
    return buffer;
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Statuses of `service.status` events of a service, in order (consecutive repeats collapsed). */
  statusPath(serviceId: string, since = 0): string[] {
    const path: string[] = [];
    for (const e of this.events.slice(since)) {
      if (e.event !== 'service.status') continue;
      const data = e.data as ServiceStatusData;
      if (data.serviceId !== serviceId || !data.status) continue;
      if (path[path.length - 1] !== data.status) path.push(data.status);
    }
    return path;
  }

  /** Statuses of `deployment.status` events of a deployment, in order. */
  deploymentPath(deploymentId: string): string[] {
    const path: string[] = [];
    for (const e of this.events) {
      if (e.event !== 'deployment.status') continue;
      const data = e.data as ServiceStatusData;
      if (data.deploymentId !== deploymentId || !data.status) continue;
      if (path[path.length - 1] !== data.status) path.push(data.status);
    }
    return path;
  }

  /** A mark to pass as `since`: only events after this point count. */
  mark(): number {
    return this.events.length;
  }

  /** Resolves with the first event from `since` on that matches; rejects on deadline or when the stream ended. */
  waitFor(match: (event: SseEvent) => boolean, timeoutMs: number, since = 0, what = 'an event'): Promise<SseEvent> {
    return new Promise((resolveEvent, reject) => {
      let checked = since;
      const check = (): boolean => {
        for (; checked < this.events.length; checked++) {
          const e = this.events[checked]!;
          if (match(e)) {
            finish();
            resolveEvent(e);
            return true;
          }
        }
        if (this.ended) {
          finish();
          reject(new Error(`the event stream ended before ${what}${this.failure ? `: ${this.failure.message}` : ''}`));
          return true;
        }
        return false;
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => void check();
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
      check();
    });
  }

  /** Waits until the service reached `status` (a service.status event after `since`). */
  waitForStatus(serviceId: string, status: string, timeoutMs: number, since = 0): Promise<SseEvent> {
    return this.waitFor(
      (e) => e.event === 'service.status' && (e.data as ServiceStatusData).serviceId === serviceId && (e.data as ServiceStatusData).status === status,
      timeoutMs,
      since,
      `service ${serviceId} to reach ${status} (path so far: ${this.statusPath(serviceId, since).join(' → ') || 'nothing'})`,
    );
  }

  close(): void {
    this.controller.abort();
  }
}
