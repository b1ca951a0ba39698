/**
 * Failed authentication per client address (docs/api.md#rate-limiting): after `maxFailures` failures within
 * `windowMs`, the address is refused (429 with Retry-After) until its window ends. Successful
 * requests are never counted. In memory, per process, and bounded: at most `maxAddresses`
 * addresses are remembered (expired windows go first, then the oldest).
 */
export interface AuthFailureLimits {
  maxFailures: number;
  windowMs: number;
  maxAddresses: number;
}

export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { maxFailures: 20, windowMs: 60_000, maxAddresses: 10_000 };

interface Window {
  failures: number;
  endsAt: number;
}

export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: AuthFailureLimits = DEFAULT_AUTH_FAILURE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the address must wait before trying again, or 0 when it may try now. */
  retryAfterSeconds(address: string): number {
    const window = this.windows.get(address);
    if (!window) return 0;
    const left = window.endsAt - this.now();
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return window.failures >= this.limits.maxFailures ? Math.ceil(left / 1000) : 0;
  }

  recordFailure(address: string): void {
    const now = this.now();
    const window = this.windows.get(address);
    if (window && window.endsAt > now) {
      window.failures++;
      return;
    }
    if (window) this.windows.delete(address);
    if (this.windows.size >= this.limits.maxAddresses) this.evict(now);
    this.windows.set(address, { failures: 1, endsAt: now + this.limits.windowMs });
  }

  /** How many addresses are remembered. */
  get size(): number {
    return this.windows.size;
  }

  private evict(now: number): void {
    for (const [address, window] of this.windows) if (window.endsAt <= now) this.windows.delete(address);
    // Still full: forget the oldest windows (a Map iterates in insertion order).
    for (const address of this.windows.keys()) {
      if (this.windows.size < this.limits.maxAddresses) break;
      this.windows.delete(address);
    }
  }
}
