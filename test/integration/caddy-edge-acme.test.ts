/**
 * HTTPS from an ACME server (docs/edge.md#https): a real Pebble issues the certificate of a
 * custom domain to the Caddy edge; https answers with it (chained to Pebble's root, naming the
 * host) and the endpoint says ISSUED.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { CaddyEdge } from '../../src/runtime/docker/caddy-edge.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { EdgeProxy } from '../../src/runtime/docker/edge-proxy.js';
import { testImages } from '../support/images.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { cleanup, context, docker, eventually, hostPortRange, memoryHostPorts, rolloutSpec, runId, target } from './docker-runtime-fixture.js';

const EDGE_NAME = `${runId}-edge-acme`;
const DOMAIN = 'shop.example.com';

describe('Caddy edge with ACME', () => {
  const range = hostPortRange();
  const httpPort = range.to + 1100;
  const httpsPort = httpPort + 1;
  let runDir = '';
  let pebble: Pebble;
  let edge: CaddyEdge;
  let runtime: DockerRuntime;

  before(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'sw-edge-acme-'));
    pebble = await startPebble(httpPort + 10);
    edge = new CaddyEdge({
      docker,
      image: testImages.caddy.ref,
      name: EDGE_NAME,
      httpPort,
      httpsPort,
      bindHost: '127.0.0.1',
      runDir,
      acme: { email: 'ops@example.com', directory: pebble.directory },
      acmeCaRoot: pebble.roots,
      hostsOf: async () => [DOMAIN],
      tcp: new EdgeProxy({ bindHost: '127.0.0.1' }),
    });
    await edge.start();
    assert.equal(edge.status().available, true, edge.status().message);
    runtime = new DockerRuntime({ proxy: edge, hostPorts: memoryHostPorts(), hostPortRange: range, drainTimeoutMs: 2000, stopTimeoutSeconds: 1 });
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
    const answer = await new Promise<{ body: string; san: string; issuer: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: httpsPort, servername: DOMAIN, headers: { host: DOMAIN }, ca: pebble.roots, path: '/' }, (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ body, san: cert.subjectaltname ?? '', issuer: JSON.stringify(cert.issuer) }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.body, 'v1');
    assert.equal(answer.san, `DNS:${DOMAIN}`);
    assert.match(answer.issuer, /Pebble/i);
  });
});
