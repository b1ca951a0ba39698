import { httpsOrigin } from '../../../domain/edge-tls.js';

/**
 * The Caddy configuration Slipway wants (docs/edge.md), built from the routes it holds, and read
 * back from a running Caddy after a restart of Slipway. Pure: no I/O.
 *
 * One HTTP server (`slipway`) on the container's port 80; one route per public http port of a
 * service, tagged `@id` `slipway|<serviceId>|<containerPort>` and matching that port's hosts;
 * its reverse_proxy lists the service's edge slots (stable names its instances take, see
 * names-and-labels.ts), and Caddy sends traffic only to the slots whose health check passes:
 * a check asks the edge's own `slipway_health` server (on the container's loopback) whether a
 * file named after the slot is in the ready directory, which Slipway fills and empties. So an
 * instance joins and leaves its route without a configuration load (docs/edge.md#routing-and-draining).
 * A route whose slots are all out (stopped, starting) answers 503 with a short page from the
 * server's error routes, so a service's first ready instance or its last one loads nothing
 * either; before the routes, hosts with an issued ACME certificate redirect to https. Keys are emitted in sorted order so that two
 * equal configurations are equal strings (Slipway skips a load identical to what Caddy runs).
 */

/** The host directory of the admin socket, as the edge container sees it. */
export const RUN_DIR_IN_CONTAINER = '/run/slipway-edge';
export const ADMIN_SOCKET_IN_CONTAINER = `${RUN_DIR_IN_CONTAINER}/admin.sock`;
/** The directory, in the run directory, of one empty file per ready upstream (named `host:port`). */
export const READY_DIR = 'ready';
/** How often Caddy checks each upstream's file. */
export const HEALTH_INTERVAL_MS = 300;
/**
 * Failed checks in a row that take an upstream out. One is not enough: a configuration load
 * restarts the health server too, and the checks under way at that instant fail.
 */
export const HEALTH_FAILS = 3;
/** How long an upstream whose file went away may still be sent requests: its checks failing in a row, and one more under way. */
export const LEAVE_AFTER_MS = (HEALTH_FAILS + 1) * HEALTH_INTERVAL_MS;
/** Where the health server listens, inside the edge container only. */
const HEALTH_LISTEN = '127.0.0.1:2020';
const UPSTREAM_HEADER = 'X-Slipway-Upstream';

export interface CaddyRoute {
  serviceId: string;
  containerPort: number;
  hosts: string[];
  /** host:port Caddy may dial (edge slots, or addresses); emitted sorted: the same set is the same config. */
  upstreams: string[];
}

const ROUTE_ID_PREFIX = 'slipway|';

export function routeId(serviceId: string, containerPort: number): string {
  return `${ROUTE_ID_PREFIX}${serviceId}|${containerPort}`;
}

function parseRouteId(id: unknown): { serviceId: string; containerPort: number } | null {
  if (typeof id !== 'string' || !id.startsWith(ROUTE_ID_PREFIX)) return null;
  const rest = id.slice(ROUTE_ID_PREFIX.length);
  const bar = rest.lastIndexOf('|');
  const containerPort = Number(rest.slice(bar + 1));
  if (bar <= 0 || !Number.isInteger(containerPort)) return null;
  return { serviceId: rest.slice(0, bar), containerPort };
}

const UNAVAILABLE_PAGE =
  '<!doctype html><title>503 Service Unavailable</title><h1>Service unavailable</h1><p>This service has no running instance right now (stopped, or starting). Try again shortly.</p>\n';
const UNKNOWN_HOST_PAGE = '<!doctype html><title>404 Not Found</title><h1>Not found</h1><p>No service is published on this host name.</p>\n';

const UNAVAILABLE_RESPONSE = { body: UNAVAILABLE_PAGE, handler: 'static_response', headers: { 'Content-Type': ['text/html; charset=utf-8'], 'Retry-After': ['5'] }, status_code: 503 };

/** The page of a 503, which reverse_proxy answers when no upstream of the route passes its checks. */
const ERROR_ROUTES = { routes: [{ handle: [UNAVAILABLE_RESPONSE], match: [{ expression: '{http.error.status_code} == 503' }] }] };

function handlerFor(route: CaddyRoute): Record<string, unknown> {
  if (route.upstreams.length === 0) return UNAVAILABLE_RESPONSE;
  return {
    handler: 'reverse_proxy',
    health_checks: {
      // Each upstream's health is its file in the ready directory, asked of slipway_health; a
      // new connection per check, so a load's restart of that server fails only the checks
      // under way at that instant.
      active: {
        expect_status: 200,
        fails: HEALTH_FAILS,
        headers: { Connection: ['close'], [UPSTREAM_HEADER]: ['{http.reverse_proxy.active.target_upstream}'] },
        interval: `${HEALTH_INTERVAL_MS}ms`,
        passes: 1,
        timeout: '1s',
        upstream: HEALTH_LISTEN,
        uri: '/',
      },
      // Just after a load every upstream counts as healthy until checked: a slot no instance
      // holds fails to dial, and is then left out for a while (and the request tried elsewhere).
      passive: { fail_duration: '2s', max_fails: 1 },
    },
    // A request whose instance cannot be dialled (a slot without instance, just after a load) is
    // tried on another one; with none passing its checks (stopped), the 503 comes after 3 tries.
    load_balancing: { retries: 3, selection_policy: { policy: 'round_robin' }, try_duration: '5s', try_interval: '100ms' },
    upstreams: [...new Set(route.upstreams)].sort().map((dial) => ({ dial })),
  };
}

/** 200 when the upstream named in the header has its file in the ready directory, else 503. */
function healthServer(): Record<string, unknown> {
  return {
    automatic_https: { disable: true },
    listen: [HEALTH_LISTEN],
    routes: [
      {
        handle: [{ handler: 'static_response', status_code: 200 }],
        match: [{ file: { root: `${RUN_DIR_IN_CONTAINER}/${READY_DIR}`, try_files: [`/{http.request.header.${UPSTREAM_HEADER}}`] } }],
        terminal: true,
      },
      { handle: [{ handler: 'static_response', status_code: 503 }] },
    ],
  };
}

/** Sorted copy of the routes: by service then port, so the config does not depend on insertion order. */
function ordered(routes: Iterable<CaddyRoute>): CaddyRoute[] {
  return [...routes].filter((r) => r.hosts.length > 0).sort((a, b) => (a.serviceId === b.serviceId ? a.containerPort - b.containerPort : a.serviceId < b.serviceId ? -1 : 1));
}

/** Caddy's log of its certificate attempts, in the admin socket's directory (read by tls-log.ts). */
export const TLS_LOG_FILE = 'tls.log';

/** The `logging` section of the edge's configuration that writes that file. */
export function tlsLogConfig(dirInContainer: string): Record<string, unknown> {
  return {
    logs: {
      slipway_tls: {
        encoder: { duration_format: 'seconds', format: 'json' },
        include: ['tls.obtain', 'tls.renew'],
        level: 'INFO',
        // The directory is Slipway's alone (mode 0700); the file is readable by Slipway's user though Caddy runs as root.
        writer: { filename: `${dirInContainer}/${TLS_LOG_FILE}`, mode: '0644', output: 'file', roll_keep: 1, roll_size_mb: 1 },
      },
    },
  };
}

/** Plain http of these hosts answers with a permanent redirect to https (docs/edge.md#https). */
export interface HttpsRedirect {
  hosts: string[];
  /** The edge's https port on the host (SLIPWAY_EDGE_HTTPS_PORT). */
  httpsPort: number;
}

const REDIRECT_ROUTE_ID = 'https-redirect';

/**
 * 308 (the method and body are kept) to the same host and URI on the https port. Requests for
 * ACME http-01 challenges are left out: Caddy answers the challenges it started before any
 * route; any other is served as before, not sent to https.
 */
function redirectRoute(redirect: HttpsRedirect): unknown {
  return {
    '@id': REDIRECT_ROUTE_ID,
    handle: [{ handler: 'static_response', headers: { Location: [`${httpsOrigin('{http.request.host}', redirect.httpsPort)}{http.request.uri}`] }, status_code: 308 }],
    match: [{ host: [...new Set(redirect.hosts)].sort(), not: [{ path: ['/.well-known/acme-challenge/*'] }] }],
    terminal: true,
  };
}

/** The hosts a running configuration redirects to https (read back after a restart of Slipway). */
export function redirectedHostsOf(config: unknown): string[] {
  const servers = (config as { apps?: { http?: { servers?: Record<string, { routes?: unknown[] }> } } } | null)?.apps?.http?.servers;
  const route = (servers?.slipway?.routes ?? []).find((r) => (r as { '@id'?: unknown })['@id'] === REDIRECT_ROUTE_ID) as { match?: Array<{ host?: string[] }> } | undefined;
  return [...(route?.match?.[0]?.host ?? [])];
}

function serverRoutes(routes: CaddyRoute[], idPrefix: string, redirect?: HttpsRedirect): unknown[] {
  const caddyRoutes: unknown[] = redirect && redirect.hosts.length > 0 ? [redirectRoute(redirect)] : [];
  caddyRoutes.push(...routes.map((route) => ({
    '@id': `${idPrefix}${routeId(route.serviceId, route.containerPort)}`,
    handle: [handlerFor(route)],
    match: [{ host: [...route.hosts].sort() }],
    terminal: true,
  })));
  caddyRoutes.push({ handle: [{ body: UNKNOWN_HOST_PAGE, handler: 'static_response', headers: { 'Content-Type': ['text/html; charset=utf-8'] }, status_code: 404 }] });
  return caddyRoutes;
}

/**
 * Two servers with the same routes: `slipway` on port 80 (plain http) and `slipway_tls` on
 * port 443, where Caddy gets and renews a certificate for every host it routes, from its own
 * internal CA (docs/edge.md#https). Route ids are unique in a configuration: the https
 * server's carry a `tls:` prefix.
 */
/** Certificates from an ACME server for the hosts outside `localhost` (docs/edge.md#https). */
export interface AcmeSettings {
  email: string;
  directory: string;
  /** Whether acme-ca.pem (roots of a private ACME server) is in the admin socket's directory. */
  caRoot: boolean;
}

export const ACME_CA_IN_CONTAINER = '/run/slipway-edge/acme-ca.pem';

/** Hosts that get an ACME certificate: every one but localhost names, which no ACME CA issues. */
export function acmeHosts(routes: Iterable<CaddyRoute>): string[] {
  const hosts = [...routes].flatMap((r) => r.hosts).filter((h) => h !== 'localhost' && !h.endsWith('.localhost'));
  return [...new Set(hosts)].sort();
}

function tlsPolicies(routes: CaddyRoute[], acme: AcmeSettings | undefined): unknown[] {
  const internal = { issuers: [{ module: 'internal' }] };
  const subjects = acme ? acmeHosts(routes) : [];
  if (!acme || subjects.length === 0) return [internal];
  const issuer = { ca: acme.directory, email: acme.email, module: 'acme', ...(acme.caRoot ? { trusted_roots_pem_files: [ACME_CA_IN_CONTAINER] } : {}) };
  return [{ issuers: [issuer], subjects }, internal];
}

export function caddyConfig(routes: Iterable<CaddyRoute>, acme?: AcmeSettings, redirect?: HttpsRedirect): Record<string, unknown> {
  const list = ordered(routes);
  return sortKeys({
    admin: { config: { persist: true }, listen: `unix/${ADMIN_SOCKET_IN_CONTAINER}|0666` },
    // Caddy's certificate attempts, where Slipway reads why one failed.
    logging: tlsLogConfig(RUN_DIR_IN_CONTAINER),
    apps: {
      http: {
        servers: {
          slipway: { automatic_https: { disable: true }, errors: ERROR_ROUTES, listen: [':80'], routes: serverRoutes(list, '', redirect) },
          slipway_tls: { automatic_https: { disable_redirects: true }, errors: ERROR_ROUTES, listen: [':443'], routes: serverRoutes(list, 'tls:') },
          slipway_health: healthServer(),
        },
      },
      // The CA's root is read over the admin API (GET /pki/ca/local), never installed anywhere.
      pki: { certificate_authorities: { local: { install_trust: false } } },
      tls: { automation: { policies: tlsPolicies(list, acme) } },
    },
  }) as Record<string, unknown>;
}

/** The routes Slipway put into a running Caddy (its current config), to carry on from them. */
export function routesOf(config: unknown): CaddyRoute[] {
  const servers = (config as { apps?: { http?: { servers?: Record<string, { routes?: unknown[] }> } } } | null)?.apps?.http?.servers;
  const found: CaddyRoute[] = [];
  for (const raw of servers?.slipway?.routes ?? []) {
    const r = raw as { '@id'?: unknown; match?: Array<{ host?: string[] }>; handle?: Array<{ handler?: string; upstreams?: Array<{ dial?: string }> }> };
    const id = parseRouteId(r['@id']);
    if (!id) continue;
    const hosts = r.match?.[0]?.host ?? [];
    const upstreams = (r.handle?.[0]?.upstreams ?? []).map((u) => u.dial).filter((d): d is string => typeof d === 'string');
    found.push({ ...id, hosts: [...hosts], upstreams });
  }
  return found;
}

/** Objects with their keys sorted, recursively (arrays keep their order). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
