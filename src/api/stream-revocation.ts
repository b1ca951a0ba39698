import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import type { EventStream } from './sse.js';

/** How often open streams re-check that their token still exists (another process may revoke it). */
export const STREAM_TOKEN_RECHECK_MS = 5_000;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The open event streams by token: a revoked token's streams are closed
     * (docs/api.md#tokens-and-roles).
     */
    openStreams: OpenStreams;
  }
}

/**
 * The event streams open per token. A token revoked through this process closes its streams
 * at once; one revoked elsewhere (another process sharing the database) is noticed by a
 * periodic re-check, which runs only while streams are open (one token query per tick).
 */
export class OpenStreams {
  private readonly byToken = new Map<string, Set<EventStream>>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly tokenIds: () => Promise<Set<string>>,
    private readonly recheckMs = STREAM_TOKEN_RECHECK_MS,
  ) {}

  track(tokenId: string, stream: EventStream): void {
    let streams = this.byToken.get(tokenId);
    if (!streams) {
      streams = new Set();
      this.byToken.set(tokenId, streams);
    }
    streams.add(stream);
    stream.onClose(() => {
      const set = this.byToken.get(tokenId);
      set?.delete(stream);
      if (set?.size === 0) this.byToken.delete(tokenId);
      if (this.byToken.size === 0) this.stopTimer();
    });
    if (!stream.closed) this.startTimer();
  }

  /** Ends every stream opened with this token. */
  revoke(tokenId: string): void {
    for (const stream of [...(this.byToken.get(tokenId) ?? [])]) {
      stream.comment('the token was revoked');
      stream.close();
    }
  }

  /** How many streams are open (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.byToken.values()) n += set.size;
    return n;
  }

  close(): void {
    this.stopTimer();
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.recheck(), this.recheckMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async recheck(): Promise<void> {
    if (this.checking || this.byToken.size === 0) return;
    this.checking = true;
    try {
      const live = await this.tokenIds();
      for (const tokenId of [...this.byToken.keys()]) if (!live.has(tokenId)) this.revoke(tokenId);
    } catch {
      // The database is unreachable for a moment: streams stay open until the next tick decides.
    } finally {
      this.checking = false;
    }
  }
}

export function installStreamRevocation(app: FastifyInstance, store: Store, recheckMs?: number): OpenStreams {
  const streams = new OpenStreams(async () => new Set((await store.listTokens()).map((t) => t.id)), recheckMs);
  app.decorate('openStreams', streams);
  app.addHook('onClose', async () => streams.close());
  return streams;
}
