/** SLIPWAY_DATABASE_URL as it may be shown: the password (in the userinfo or a query parameter) masked. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '****');
    return parsed.toString();
  } catch {
    return 'the PostgreSQL URL (unparsable, not shown)';
  }
}

/** Socket-level failures and PostgreSQL's "not now" answers: the database may answer later. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT']);
function worthRetrying(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    // pg's own: "Connection terminated unexpectedly", "timeout expired".
    return /terminated|timeout/i.test(error instanceof Error ? error.message : '');
  }
  // 57P03 cannot_connect_now (starting up), 53300 too_many_connections, class 08 connection exceptions.
  return NETWORK_CODES.has(code) || code === '57P03' || code === '53300' || code.startsWith('08');
}

export interface WaitForDatabaseOptions {
  log: {
    warn(fields: Record<string, unknown>, message: string): void;
    info(fields: Record<string, unknown>, message: string): void;
  };
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Waits until the PostgreSQL database answers a query: Slipway cannot serve without its store,
 * so a database that is down or still starting is retried with backoff, each attempt logged
 * with the URL (password masked). An answer that will not change by waiting (wrong password,
 * no such database) throws, with that URL and the reason.
 */
export async function waitForDatabase(url: string, options: WaitForDatabaseOptions): Promise<void> {
  const shown = maskDatabaseUrl(url);
  const password = passwordOf(url);
  const reasonOf = (error: unknown): string => {
    const message = error instanceof Error ? error.message || String((error as { code?: unknown }).code ?? error.name) : String(error);
    return password ? message.split(password).join('****') : message;
  };
  // Only a server on PostgreSQL loads its driver (src/store/dialect.ts says why).
  const { default: pg } = await import('pg');
  let delayMs = options.firstDelayMs ?? 1_000;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    // A connection that fails later must not crash the process: this client is only a probe.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      if (attempt > 1) options.log.info({ database: shown }, `PostgreSQL at ${shown} answers`);
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const reason = reasonOf(error);
      if (!worthRetrying(error)) {
        throw new Error(`cannot use the PostgreSQL database at ${shown} (SLIPWAY_DATABASE_URL): ${reason}`);
      }
      options.log.warn(
        { database: shown, attempt, retryInMs: delayMs },
        `PostgreSQL at ${shown} (SLIPWAY_DATABASE_URL) does not answer: ${reason}; start it or fix the URL; retrying in ${Math.round(delayMs / 1000)} s (attempt ${attempt})`,
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, options.maxDelayMs ?? 10_000);
    }
  }
}

function passwordOf(url: string): string {
  try {
    const parsed = new URL(url);
    return decodeURIComponent(parsed.password) || parsed.searchParams.get('password') || '';
  } catch {
    return '';
  }
}
