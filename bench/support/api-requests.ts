import https from 'node:https';

/**
 * Counts the HTTP requests this process sends to one Kubernetes API server, at the client:
 * @kubernetes/client-node sends every call (reads, applies, watches, discovery) through
 * node-fetch, which calls `https.request` for each one. Counted while `enabled`, by verb and
 * resource ("GET deployments", "GET deployments (watch)", "PATCH deployments"), so a figure
 * says where the requests come from. Reads are GETs (watches included); writes are the rest.
 */
export class ApiRequestCounter {
  enabled = false;
  private readonly counts = new Map<string, number>();

  record(method: string, path: string): void {
    if (!this.enabled) return;
    const name = requestName(method, path);
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  reset(): void {
    this.counts.clear();
  }

  /** Reads and writes counted since the last reset, and each kind by name, the largest first. */
  summary(): { reads: number; writes: number; byName: Array<{ name: string; count: number }> } {
    let reads = 0;
    let writes = 0;
    for (const [name, count] of this.counts) {
      if (name.startsWith('GET ')) reads += count;
      else writes += count;
    }
    const byName = [...this.counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count);
    return { reads, writes, byName };
  }
}

/** "GET deployments", "GET deployment (one)", "GET pods (watch)", "GET discovery", … */
function requestName(method: string, path: string): string {
  const [route = '', query = ''] = path.split('?');
  const watch = /(^|&)watch=(true|1)/.test(query) ? ' (watch)' : '';
  // /api/v1[/namespaces/ns]/kind[/name] and /apis/group/version[/namespaces/ns]/kind[/name]
  const parts = route.split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts;
  if (rest.length === 0) return `${method} discovery ${route}`;
  const scoped = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  const resource = scoped[0] ?? '?';
  const one = scoped.length >= 2 ? ` (one${scoped[2] ? `, ${scoped[2]}` : ''})` : '';
  return `${method} ${resource}${one}${watch}`;
}

type RequestOptions = { method?: string; path?: string | null; hostname?: string | null; host?: string | null; port?: string | number | null };

/**
 * Routes this process's `https.request` calls through the counter when they go to
 * host:port. Returns the function that puts the original back.
 */
export function countApiRequests(server: URL, counter: ApiRequestCounter): () => void {
  const mod = https as unknown as { request: (...args: unknown[]) => unknown };
  const original = mod.request;
  const port = server.port || '443';
  mod.request = function countedRequest(this: unknown, ...args: unknown[]): unknown {
    const first = args[0];
    const options: RequestOptions | undefined =
      first instanceof URL ? { method: (args[1] as RequestOptions | undefined)?.method ?? 'GET', path: first.pathname + first.search, hostname: first.hostname, port: first.port } : typeof first === 'object' && first !== null ? (first as RequestOptions) : undefined;
    if (options) {
      const host = options.hostname ?? options.host?.replace(/:\d+$/, '');
      if (host === server.hostname && String(options.port ?? '443') === port) counter.record((options.method ?? 'GET').toUpperCase(), options.path ?? '/');
    }
    return original.apply(this, args);
  };
  return () => {
    mod.request = original;
  };
}
