/**
 * HTTPS from an ACME server (docs/edge.md#https): a real Pebble issues the certificate of a
 * custom domain to the Caddy edge; https answers with it (chained to Pebble's root, naming the
 * host), the endpoint says ISSUED and plain http redirects to https. A domain Pebble refuses
 * by policy shows ERROR with Pebble's reason and keeps being served on http.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { CaddyEdge } from '../../src/runtime/docker/caddy-edge.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { testImages } from '../support/images.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { cleanup, context, docker, eventually, portBlock, memoryHostPorts, ownedByThisRun, rolloutSpec, runId, target } from './docker-runtime-fixture.js';

const EDGE_NAME = `${runId}-edge-acme`;
const DOMAIN = 'shop.example.com';
/** Pebble refuses this one (its domainBlocklist): the ACME order fails with rejectedIdentifier. */
const BLOCKED = 'blocked.example.com';
const EMAIL = 'ops@example.com';

/** A plain http request to the edge for a host, without following redirects. */
function plainGet(port: number, host: string, path: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

describe('Caddy edge with ACME', () => {
  const { range, edgePort: httpPort } = portBlock(3);
  const httpsPort = httpPort + 1;
  let runDir = '';
  let pebble: Pebble;
  let edge: CaddyEdge;
  let runtime: DockerRuntime;

  before(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'sw-edge-acme-'));
    pebble = await startPebble(httpPort + 10, { blocked: [BLOCKED] });
    edge = new CaddyEdge({
      docker,
      image: testImages.caddy.ref,
      name: EDGE_NAME,
      httpPort,
      httpsPort,
      bindHost: '127.0.0.1',
      runDir,
      acme: { email: EMAIL, directory: pebble.directory },
      acmeCaRoot: pebble.roots,
      // Only this test's services: the runtime also finds the containers of other tests running on the engine.
      hostsOf: async (serviceId) => (serviceId === target('shop').serviceId ? [DOMAIN] : serviceId === target('blocked').serviceId ? [BLOCKED] : []),
      tlsCheckMs: 500,
    });
    await edge.start();
    assert.equal(edge.status().available, true, edge.status().message);
    runtime = new DockerRuntime({ owns: ownedByThisRun, edge, hostPorts: memoryHostPorts(), hostPortRange: range, drainTimeoutMs: 2000, stopTimeoutSeconds: 1 });
    await runtime.start();
  });

  after(async () => {
    await runtime?.close();
    await edge?.close();
    await pebble?.stop();
    await docker.getContainer(EDGE_NAME).remove({ force: true }).catch(() => undefined);
    for (const volume of [`${EDGE_NAME}-data`, `${EDGE_NAME}-config`]) await docker.getVolume(volume).remove().catch(() => undefined);
    await cleanup();
    await rm(runDir, { recursive: true, force: true });
  });

  it('a custom domain gets a certificate from Pebble; https answers with it', async () => {
    const shop = target('shop');
    const image = await runtime.resolveImage(testImages.appV1, context());
    await runtime.deploy(shop, rolloutSpec(image, 'v1'), context());
    const [endpoint] = await eventually(
      'an issued certificate',
      async () => {
        const endpoints = await runtime.endpoints(shop);
        return endpoints[0]?.tls?.status === 'ISSUED' ? endpoints : undefined;
      },
      90_000,
    );
    assert.equal(endpoint!.url, `https://${DOMAIN}:${httpsPort}`);
    // Trusting Pebble's roots only: the chain verifies, the certificate names the domain.
    // Asked until the instance answers: its entry into the route, and the redirect loaded once
    // the certificate is issued, are configuration switches, where a request can be dropped
    // (docs/edge.md#known-limits).
    const ask = () => new Promise<{ body: string; san: string; issuer: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: httpsPort, servername: DOMAIN, headers: { host: DOMAIN }, ca: pebble.roots, path: '/' }, (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ body, san: cert.subjectaltname ?? '', issuer: JSON.stringify(cert.issuer) }));
      });
      req.on('error', reject);
      req.end();
    });
    const answer = await eventually('the instance over https', async () => {
      const got = await ask();
      return got.body === 'v1' ? got : undefined;
    });
    assert.equal(answer.body, 'v1');
    assert.equal(answer.san, `DNS:${DOMAIN}`);
    assert.match(answer.issuer, /Pebble/i);
  });

  it('plain http of a host with an issued certificate redirects to https, path and query kept', async () => {
    const redirect = await eventually(
      'a redirect to https',
      async () => {
        const answer = await plainGet(httpPort, DOMAIN, '/cart/items?id=7&q=a%20b');
        return answer.status === 308 ? answer : undefined;
      },
      30_000,
    );
    assert.equal(redirect.location, `https://${DOMAIN}:${httpsPort}/cart/items?id=7&q=a%20b`);
    // ACME http-01 challenges are answered on http, never sent away (no challenge is pending here: it reaches the service).
    const challenge = await plainGet(httpPort, DOMAIN, '/.well-known/acme-challenge/some-token');
    assert.notEqual(challenge.status, 308);
    assert.equal(challenge.location, undefined);
  });

  it('a domain the ACME server refuses shows ERROR with its reason, and keeps being served on http', async () => {
    const blocked = target('blocked');
    const image = await runtime.resolveImage(testImages.appV1, context());
    await runtime.deploy(blocked, rolloutSpec(image, 'v1'), context());
    const [endpoint] = await eventually(
      'the ACME server refusing the certificate',
      async () => {
        const endpoints = await runtime.endpoints(blocked);
        return endpoints[0]?.tls?.status === 'ERROR' ? endpoints : undefined;
      },
      60_000,
    );
    const reason = endpoint!.tls!.reason ?? '';
    // Pebble's own words: its problem type for a domain refused by policy, and the domain.
    assert.match(reason, /rejectedIdentifier/);
    assert.match(reason, /blocked\.example\.com/);
    assert.match(reason, /tries again/);
    assert.equal(reason.includes(EMAIL), false, reason);
    assert.equal(/PRIVATE KEY|BEGIN/.test(reason), false, reason);
    assert.equal(endpoint!.url, `http://${BLOCKED}:${httpPort}`);
    // No certificate: plain http serves the service (once its instance is in the route), never a redirect.
    const answer = await eventually('the service on plain http', async () => {
      const got = await plainGet(httpPort, BLOCKED, '/');
      assert.notEqual(got.status, 308, got.location);
      return got.status === 200 ? got : undefined;
    });
    assert.equal(answer.body, 'v1');
  });
});
