import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caddyConfig, redirectedHostsOf, routeId, routesOf, type CaddyRoute } from '../../../src/runtime/docker/caddy/caddy-config.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading a JSON document back

const web: CaddyRoute = { serviceId: 'svc-b', containerPort: 8080, hosts: ['web-prod-shop.localhost', 'shop.example.com'], upstreams: ['10.0.0.3:8080', '10.0.0.2:8080'] };
const idle: CaddyRoute = { serviceId: 'svc-a', containerPort: 80, hosts: ['api-prod-shop.localhost'], upstreams: [] };

test('one route per service port, matched by its hosts; upstreams and hosts sorted', () => {
  const routes = (caddyConfig([web, idle]) as Json).apps.http.servers.slipway.routes as Json[];
  assert.deepEqual(routes.map((r) => r['@id']), [routeId('svc-a', 80), routeId('svc-b', 8080), undefined]);
  assert.deepEqual(routes[1]!.match, [{ host: ['shop.example.com', 'web-prod-shop.localhost'] }]);
  assert.deepEqual(routes[1]!.handle[0].upstreams, [{ dial: '10.0.0.2:8080' }, { dial: '10.0.0.3:8080' }]);
  assert.equal(routes[1]!.handle[0].handler, 'reverse_proxy');
});

test('a route without instances answers 503; an unknown host 404', () => {
  const routes = (caddyConfig([idle]) as Json).apps.http.servers.slipway.routes as Json[];
  assert.equal(routes[0]!.handle[0].status_code, 503);
  assert.deepEqual(routes[0]!.handle[0].headers['Retry-After'], ['5']);
  assert.equal(routes.at(-1)!.handle[0].status_code, 404);
  assert.equal(routes.at(-1)!.match, undefined);
});

test('upstreams are health-checked against the ready directory, through a server on the loopback only', () => {
  const config = caddyConfig([web]) as Json;
  const proxy = config.apps.http.servers.slipway.routes[0].handle[0];
  const active = proxy.health_checks.active;
  const health = config.apps.http.servers.slipway_health;
  assert.deepEqual(health.listen, [active.upstream]);
  assert.match(active.upstream, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(active.headers['X-Slipway-Upstream'], ['{http.reverse_proxy.active.target_upstream}']);
  // 200 exactly when the file named after the upstream is in the ready directory; else 503.
  assert.deepEqual(health.routes[0].match, [{ file: { root: '/run/slipway-edge/ready', try_files: ['/{http.request.header.X-Slipway-Upstream}'] } }]);
  assert.equal(health.routes[0].handle[0].status_code, 200);
  assert.equal(health.routes[1].handle[0].status_code, 503);
});

test('a route keeps its slots whether or not an instance is ready: the 503 page comes from the error routes', () => {
  const slotted = { ...web, upstreams: ['sw-svc-b-0-a:8080', 'sw-svc-b-0-b:8080'] };
  const config = caddyConfig([slotted]) as Json;
  const proxy = config.apps.http.servers.slipway.routes[0].handle[0];
  assert.equal(proxy.handler, 'reverse_proxy');
  // No upstream passing its checks: reverse_proxy gives up after 3 tries 100 ms apart, with 503.
  assert.equal(proxy.load_balancing.retries, 3);
  assert.equal(proxy.load_balancing.try_interval, '100ms');
  for (const server of ['slipway', 'slipway_tls']) {
    const [route] = config.apps.http.servers[server].errors.routes as Json[];
    assert.deepEqual(route!.match, [{ expression: '{http.error.status_code} == 503' }]);
    assert.equal(route!.handle[0].status_code, 503);
    assert.match(route!.handle[0].body, /Service unavailable/);
  }
});

test('the same routes in another order are the same document', () => {
  assert.equal(JSON.stringify(caddyConfig([web, idle])), JSON.stringify(caddyConfig([idle, { ...web, upstreams: [...web.upstreams].reverse() }])));
});

test('the admin API listens on the unix socket only', () => {
  assert.match((caddyConfig([]) as Json).admin.listen, /^unix\/\/run\/slipway-edge\/admin\.sock\|/);
});

test('routes read back from a loaded configuration are the routes put in', () => {
  const back = routesOf(JSON.parse(JSON.stringify(caddyConfig([web, idle]))));
  assert.deepEqual(
    back.map((r) => ({ ...r, hosts: [...r.hosts].sort(), upstreams: [...r.upstreams].sort() })),
    [idle, web].map((r) => ({ ...r, hosts: [...r.hosts].sort(), upstreams: [...r.upstreams].sort() })),
  );
  assert.deepEqual(routesOf(null), []);
  assert.deepEqual(routesOf({ apps: { http: { servers: { other: { routes: [{ '@id': 'x' }] } } } } }), []);
  // A service id holding the separator still reads back.
  assert.deepEqual(routesOf(caddyConfig([{ ...idle, serviceId: 'a|b' }])).map((r) => r.serviceId), ['a|b']);
});

test('hosts with an issued ACME certificate redirect http to https first (308, URI kept), on the http server only; challenges excepted', () => {
  const config = caddyConfig([web, idle], undefined, { hosts: ['shop.example.com'], httpsPort: 8443 }) as Json;
  const http = config.apps.http.servers.slipway.routes as Json[];
  assert.deepEqual(http.map((r) => r['@id']), ['https-redirect', routeId('svc-a', 80), routeId('svc-b', 8080), undefined]);
  assert.deepEqual(http[0]!.match, [{ host: ['shop.example.com'], not: [{ path: ['/.well-known/acme-challenge/*'] }] }]);
  assert.deepEqual(http[0]!.handle, [{ handler: 'static_response', headers: { Location: ['https://{http.request.host}:8443{http.request.uri}'] }, status_code: 308 }]);
  assert.equal((config.apps.http.servers.slipway_tls.routes as Json[]).some((r) => r['@id'] === 'https-redirect'), false);
  // Port 443 is left out of the URL; no host, no redirect route.
  const standard = caddyConfig([web], undefined, { hosts: ['shop.example.com'], httpsPort: 443 }) as Json;
  assert.deepEqual(standard.apps.http.servers.slipway.routes[0].handle[0].headers.Location, ['https://{http.request.host}{http.request.uri}']);
  assert.equal(((caddyConfig([web], undefined, { hosts: [], httpsPort: 443 }) as Json).apps.http.servers.slipway.routes as Json[])[0]!['@id'], routeId('svc-b', 8080));
  // Read back after a restart of Slipway: the redirected hosts, and the routes without the redirect.
  const back = JSON.parse(JSON.stringify(config)) as unknown;
  assert.deepEqual(redirectedHostsOf(back), ['shop.example.com']);
  assert.deepEqual(routesOf(back).map((r) => r.serviceId), ['svc-a', 'svc-b']);
  assert.deepEqual(redirectedHostsOf(caddyConfig([web])), []);
});

test("the edge logs its certificate attempts to a file next to the admin socket", () => {
  const logs = (caddyConfig([]) as Json).logging.logs as Json;
  assert.deepEqual(logs.slipway_tls.include, ['tls.obtain', 'tls.renew']);
  assert.equal(logs.slipway_tls.writer.filename, '/run/slipway-edge/tls.log');
});
