/**
 * The paths the server routes and their methods, so that a wrong method on a known path answers
 * 405 with `Allow` rather than 404. Wildcard routes (the console's `GET /*`) are left out: they
 * would make every path "known".
 */
export class RouteTable {
  private readonly routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(url: string, methods: string | readonly string[]): void {
    if (url.includes('*')) return;
    const key = trimSlash(url);
    let route = this.routes.get(key);
    if (!route) {
      route = { pattern: patternOf(key), methods: new Set() };
      this.routes.set(key, route);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods) route.methods.add(method.toUpperCase());
  }

  /** The methods routed at this path (without its query), sorted; empty when the path is unknown. */
  allowed(path: string): string[] {
    const wanted = trimSlash(path.split('?')[0] ?? '');
    const methods = new Set<string>();
    for (const route of this.routes.values()) {
      if (route.pattern.test(wanted)) for (const m of route.methods) methods.add(m);
    }
    // Fastify answers HEAD wherever it answers GET.
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}

/** The router ignores a trailing slash (ignoreTrailingSlash), so does the table. */
function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** `/services/:id/deploy` → `^/services/[^/]+/deploy$`. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
