import http from 'node:http';
import type { ProxyBackend } from './types.js';

/**
 * One backend (a ready instance) of a public port, with what zero-downtime replacement needs:
 * a count of the requests/connections currently using it, so a drain can wait for them, and
 * its own keep-alive agent, so its idle upstream sockets can be closed without touching any
 * other backend.
 */
export class BackendEntry {
  draining = false;
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  private retired = false;
  private httpAgent: http.Agent | undefined;

  constructor(readonly backend: ProxyBackend) {}

  /** The keep-alive agent for upstream HTTP requests, created on first use (tcp routes never need it). */
  get agent(): http.Agent {
    if (!this.httpAgent) {
      // timeout: idle upstream sockets are dropped after 4 s, before Node's default 5 s server
      // keep-alive timeout, so we rarely reuse a socket the backend is closing. (Node also
      // honours a shorter `Keep-Alive: timeout=` hint sent by the backend.)
      this.httpAgent = new http.Agent({ keepAlive: true, timeout: 4_000, scheduling: 'lifo' });
    }
    return this.httpAgent;
  }

  get inFlight(): number {
    return this.active;
  }

  /** Counts one request or connection; call the returned function (once, extra calls are ignored) when it ended. */
  acquire(): () => void {
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      if (this.active === 0) this.onIdle();
    };
  }

  /** Resolves when nothing uses this backend any more. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Closes the upstream keep-alive sockets that carry no request right now. */
  closeIdleSockets(): void {
    const free = this.httpAgent?.freeSockets ?? {};
    for (const sockets of Object.values(free)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
  }

  /** Forgets the backend: its agent is destroyed now, or when its last request ended. */
  retire(): void {
    this.retired = true;
    this.closeIdleSockets();
    if (this.active === 0) this.httpAgent?.destroy();
  }

  /** Wakes every waiter (used when the proxy shuts down). */
  releaseWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private onIdle(): void {
    if (this.retired) this.httpAgent?.destroy();
    this.releaseWaiters();
  }
}

/**
 * The backends of one public port (service id + container port), picked round robin. Draining
 * backends stay in the list (so their in-flight work is still counted) but are never picked.
 */
export class BackendPool {
  private entries: BackendEntry[] = [];
  private cursor = 0;

  /** Adds a backend, or updates the address of a non-draining backend with the same id. */
  add(backend: ProxyBackend): void {
    const copy: ProxyBackend = { id: backend.id, host: backend.host, port: backend.port };
    const index = this.entries.findIndex((e) => e.backend.id === backend.id && !e.draining);
    const existing = this.entries[index];
    if (existing) {
      if (existing.backend.host === copy.host && existing.backend.port === copy.port) return;
      // A new address: the old entry is drained away in the background, the new one takes its place.
      void this.drainEntry(existing, 10_000);
    }
    this.entries.push(new BackendEntry(copy));
  }

  /** The next backend that may take new traffic, skipping those in `exclude`; undefined if none. */
  pick(exclude: ReadonlySet<BackendEntry> = new Set()): BackendEntry | undefined {
    const candidates = this.entries.filter((e) => !e.draining && !exclude.has(e));
    if (candidates.length === 0) return undefined;
    const entry = candidates[this.cursor % candidates.length];
    this.cursor = (this.cursor + 1) % Number.MAX_SAFE_INTEGER;
    return entry;
  }

  /** The backends that take new traffic (draining ones excluded). */
  list(): ProxyBackend[] {
    return this.entries.filter((e) => !e.draining).map((e) => ({ ...e.backend }));
  }

  /** Stops new traffic to the backend, waits for its in-flight work (at most timeoutMs), then forgets it. */
  async drain(backendId: string, timeoutMs: number): Promise<void> {
    const matching = this.entries.filter((e) => e.backend.id === backendId);
    await Promise.all(matching.map((e) => this.drainEntry(e, timeoutMs)));
  }

  /** Forgets every backend and wakes every drain waiting on one (proxy or route shutdown). */
  dispose(): void {
    for (const entry of this.entries) {
      entry.draining = true;
      entry.retire();
      entry.releaseWaiters();
    }
    this.entries = [];
  }

  private async drainEntry(entry: BackendEntry, timeoutMs: number): Promise<void> {
    entry.draining = true;
    // Keep-alive sockets with no request on them would otherwise keep the instance's
    // connections open until it is killed; nothing will be sent on them any more.
    entry.closeIdleSockets();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, timeoutMs));
      timer.unref();
    });
    try {
      await Promise.race([entry.whenIdle(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
    this.entries = this.entries.filter((e) => e !== entry);
    entry.retire();
  }
}
