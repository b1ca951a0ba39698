import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.js';

test('an edge port range that includes SLIPWAY_PORT is refused at start, naming both', () => {
  assert.throws(
    () => loadConfig({ SLIPWAY_PORT: '20500', SLIPWAY_EDGE_PORTS: '20000-20999' }),
    (error: unknown) => error instanceof ConfigError && /SLIPWAY_EDGE_PORTS \(20000-20999\) includes SLIPWAY_PORT \(20500\)/.test(error.message),
  );
  // The default API port inside a custom range, and the range's ends.
  assert.throws(() => loadConfig({ SLIPWAY_EDGE_PORTS: '8000-9000' }), ConfigError);
  assert.throws(() => loadConfig({ SLIPWAY_PORT: '21000', SLIPWAY_EDGE_PORTS: '20000-21000' }), ConfigError);
  assert.throws(() => loadConfig({ SLIPWAY_PORT: '20000', SLIPWAY_EDGE_PORTS: '20000-21000' }), ConfigError);
});

test('an edge port range beside SLIPWAY_PORT is accepted', () => {
  const config = loadConfig({ SLIPWAY_PORT: '8080', SLIPWAY_EDGE_PORTS: '8081-9000' });
  assert.deepEqual(config.edgePorts, { from: 8081, to: 9000 });
  assert.equal(config.port, 8080);
  assert.deepEqual(loadConfig({}).edgePorts, { from: 20000, to: 29999 });
  // Port 0 (any free port, as tests use) never collides.
  assert.equal(loadConfig({ SLIPWAY_PORT: '0', SLIPWAY_EDGE_PORTS: '1024-65535' }).port, 0);
});

test('SLIPWAY_AUTH_FAILURES_PER_MINUTE: 20 by default, a whole number from 1', () => {
  assert.equal(loadConfig({}).authFailuresPerMinute, 20);
  assert.equal(loadConfig({ SLIPWAY_AUTH_FAILURES_PER_MINUTE: '100' }).authFailuresPerMinute, 100);
  assert.throws(() => loadConfig({ SLIPWAY_AUTH_FAILURES_PER_MINUTE: '0' }), ConfigError);
});

test('SLIPWAY_K8S_TCP_SERVICE_TYPE: NodePort by default, or LoadBalancer; anything else is refused naming it', () => {
  assert.equal(loadConfig({}).k8sTcpServiceType, 'NodePort');
  assert.equal(loadConfig({ SLIPWAY_K8S_TCP_SERVICE_TYPE: 'LoadBalancer' }).k8sTcpServiceType, 'LoadBalancer');
  assert.equal(loadConfig({ SLIPWAY_K8S_TCP_SERVICE_TYPE: 'NodePort' }).k8sTcpServiceType, 'NodePort');
  for (const bad of ['loadbalancer', 'ClusterIP', 'ExternalName']) {
    assert.throws(
      () => loadConfig({ SLIPWAY_K8S_TCP_SERVICE_TYPE: bad }),
      (error: unknown) => error instanceof ConfigError && error.message.includes('SLIPWAY_K8S_TCP_SERVICE_TYPE') && error.message.includes(bad),
    );
  }
});

test('the edge is Caddy from caddy:2 by default; SLIPWAY_EDGE=in-process (or anything but caddy) is refused, saying the proxy was removed', () => {
  const byDefault = loadConfig({});
  assert.equal(byDefault.edge.image, 'caddy:2');
  assert.equal(byDefault.edge.container, 'slipway-edge');
  assert.deepEqual([byDefault.edge.httpPort, byDefault.edge.httpsPort], [80, 443]);
  assert.equal(loadConfig({ SLIPWAY_EDGE_IMAGE: 'registry.example/caddy:2.11' }).edge.image, 'registry.example/caddy:2.11');
  assert.equal(loadConfig({ SLIPWAY_EDGE: 'caddy' }).edge.image, 'caddy:2');
  assert.equal(loadConfig({ SLIPWAY_EDGE: '' }).edge.image, 'caddy:2');
  for (const setting of ['in-process', 'nginx']) {
    assert.throws(
      () => loadConfig({ SLIPWAY_EDGE: setting }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes(`SLIPWAY_EDGE=${setting}`) &&
        /in-process edge proxy was removed; the edge is Caddy/.test(error.message) &&
        ['SLIPWAY_EDGE_IMAGE', 'SLIPWAY_EDGE_HTTP_PORT', 'SLIPWAY_EDGE_HTTPS_PORT'].every((name) => error.message.includes(name)),
    );
  }
});
