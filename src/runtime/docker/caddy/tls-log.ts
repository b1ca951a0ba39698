import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AcmeFailure } from '../../../domain/edge-tls.js';
import { TLS_LOG_FILE } from './caddy-config.js';

/**
 * Why a certificate could not be obtained, as Caddy reports it: Caddy's admin API has no
 * certificate status and its events reach only plugin handlers, so the edge writes the log of
 * its certificate maintenance (loggers `tls.obtain` and `tls.renew`, JSON lines) to a file next
 * to the admin socket (tlsLogConfig in caddy-config.ts), which Slipway reads back
 * (docs/edge.md#https). Caddy retries failed attempts itself, with backoff (1 min, 2 min, …).
 */

interface LogLine {
  msg?: unknown;
  identifier?: unknown;
  error?: unknown;
  attempt?: unknown;
  retrying_in?: unknown;
}

/** An attempt Caddy cut short itself (a new configuration loaded meanwhile): it starts again at once, the ACME server said nothing. */
const CANCELED_RE = /context canceled/;

/** "[host] Obtain: …": the host a "will retry" line is about. */
const RETRY_HOST_RE = /^\[([^\]\s]+)\] /;

/**
 * The last failure per host in a stretch of that log, oldest line first. A certificate obtained
 * later clears it. Lines that are not JSON (a partial first line) are skipped.
 */
export function acmeFailures(text: string): Map<string, AcmeFailure> {
  const failures = new Map<string, AcmeFailure>();
  for (const raw of text.split('\n')) {
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      continue;
    }
    if (line === null || typeof line !== 'object') continue;
    const host = typeof line.identifier === 'string' ? line.identifier.toLowerCase() : undefined;
    if (host && line.msg === 'certificate obtained successfully') failures.delete(host);
    else if (host && typeof line.error === 'string' && !CANCELED_RE.test(line.error)) failures.set(host, { error: line.error });
    else if (line.msg === 'will retry' && typeof line.error === 'string') {
      const about = RETRY_HOST_RE.exec(line.error)?.[1]?.toLowerCase();
      const failure = about !== undefined ? failures.get(about) : undefined;
      if (failure && typeof line.attempt === 'number') failure.attempt = line.attempt;
      if (failure && typeof line.retrying_in === 'number') failure.retryInSeconds = line.retrying_in;
    }
  }
  return failures;
}

const TAIL_BYTES = 256 * 1024;

/** The failures in the end of the log file in `runDir` (none while it does not exist). */
export async function readAcmeFailures(runDir: string): Promise<Map<string, AcmeFailure>> {
  let file;
  try {
    file = await open(join(runDir, TLS_LOG_FILE), 'r');
  } catch {
    return new Map();
  }
  try {
    const { size } = await file.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    return acmeFailures(buffer.toString('utf8'));
  } finally {
    await file.close();
  }
}
