import http from 'node:http';
import { ms } from './report.js';

/** What one load phase measured. */
export interface LoadFigures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Requests sent (answered or failed). */
  total: number;
  /** Requests that got no answer (connection errors and timeouts). */
  errors: number;
  /**
   * Of the errors, those on a reused keep-alive connection closed before any answer: browsers,
   * curl and Go's client send such a request again by themselves (Node's does not).
   */
  reusedUnanswered: number;
  /** Of the errors, those that timed out (10 s). */
  timeouts: number;
  non2xx: number;
  /** How often each error message and non-2xx status came, most frequent first. */
  reasons: Array<[string, number]>;
  /** errors + non-2xx: every request that did not get a 2xx answer. */
  failed: number;
  /** The longest time between two 2xx answers, in ms: how long the target did not serve. */
  longestGapMs: number;
  seconds: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** The Host header, for an edge that routes by host name. */
  host?: string;
}

const TIMEOUT_MS = 10_000;
/** After a failed request a connection waits this long, so that a refused port is not a busy loop. */
const PAUSE_AFTER_FAILURE_MS = 10;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * `connections` clients, each sending GETs one after the other over a keep-alive connection
 * (a new one when the server closes it), while `during` runs; then the load stops. Each
 * request is timed from the call to the end of its answer. The phase lasts as long as `during`
 * (which should wait a fixed time).
 *
 * Not autocannon: it times an answer against the wrong request once a server closes the
 * connection (the test app does after every answer) or a connection fails, so its latencies
 * there are seconds when the requests took about a millisecond.
 */
export async function underLoad(options: LoadOptions, during: () => Promise<void>): Promise<LoadFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const counts = { errors: 0, timeouts: 0, non2xx: 0, reusedUnanswered: 0 };
  const reasons = new Map<string, number>();
  const reason = (what: string): void => void reasons.set(what, (reasons.get(what) ?? 0) + 1);
  const start = performance.now();
  let lastAnswer = start;
  let longestGapMs = 0;
  let running = true;
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const sent = performance.now();
      let settled = false;
      let headersCame = false;
      const settle = (outcome: 'answered' | 'error' | 'timeout', status = 0, why = ''): void => {
        if (settled) return;
        settled = true;
        const now = performance.now();
        if (outcome !== 'answered') {
          counts.errors++;
          if (outcome === 'timeout') counts.timeouts++;
          reason(outcome === 'timeout' ? 'timed out' : why);
        } else {
          latencies.push(now - sent);
          if (status >= 200 && status < 300) {
            longestGapMs = Math.max(longestGapMs, now - lastAnswer);
            lastAnswer = now;
          } else {
            counts.non2xx++;
            reason(`HTTP ${status}`);
          }
        }
        resolve();
      };
      const req = http.get(options.url, { agent, headers: options.host ? { host: options.host } : {}, timeout: TIMEOUT_MS }, (res) => {
        headersCame = true;
        res.resume();
        res.on('end', () => settle('answered', res.statusCode ?? 0));
        res.on('error', (error: NodeJS.ErrnoException) => settle('error', 0, error.code ?? error.message));
      });
      req.on('timeout', () => {
        settle('timeout');
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!settled && !headersCame && req.reusedSocket) counts.reusedUnanswered++;
        settle('error', 0, error.code ?? error.message);
      });
    });
  const client = async (): Promise<void> => {
    while (running) {
      const failedBefore = counts.errors + counts.non2xx;
      await once();
      if (counts.errors + counts.non2xx > failedBefore) await sleep(PAUSE_AFTER_FAILURE_MS);
    }
  };
  const clients = Array.from({ length: options.connections }, client);
  try {
    await during();
  } finally {
    running = false;
    await Promise.all(clients);
    agent.destroy();
  }
  const end = performance.now();
  const seconds = (end - start) / 1000;
  longestGapMs = Math.max(longestGapMs, end - lastAnswer);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    total: sorted.length + counts.errors,
    errors: counts.errors,
    timeouts: counts.timeouts,
    reusedUnanswered: counts.reusedUnanswered,
    non2xx: counts.non2xx,
    reasons: [...reasons].sort((a, b) => b[1] - a[1]),
    failed: counts.errors + counts.non2xx,
    longestGapMs,
    seconds,
  };
}

export const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** One line of figures for a table row. */
export function describeLoad(f: LoadFigures): string {
  const why = f.reasons.map(([what, n]) => `${what} ×${n}`).join(', ');
  const reused = f.reusedUnanswered > 0 ? `, ${f.reusedUnanswered} of them on a reused connection before any answer` : '';
  const failed = f.failed === 0 ? '0 failed' : `${f.failed} failed (${f.errors} errors${reused}, ${f.timeouts} timeouts, ${f.non2xx} non-2xx: ${why})`;
  return `${Math.round(f.requestsPerSecond)} req/s, p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, ${f.total} requests in ${f.seconds.toFixed(1)} s, ${failed}`;
}
