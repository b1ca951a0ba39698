import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ANNOTATION } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { APP_IMAGE, type KubeFixture } from './fixture.js';
import { getOnce, realEnvironment, realNodeFixture, REAL_NODE, sampleReadyPods, sendRequests, webSettings } from './real-node.js';

const REGISTRY = process.env.SLIPWAY_TEST_REGISTRY ?? '127.0.0.1:5000';

/**
 * Rollouts whose pods really run (on the real node): images pulled from the local registry,
 * readiness probes probed by kubelet, requests routed by kube-proxy through the NodePort
 * Slipway reports as the service's endpoint.
 */
describe('kubernetes on a real node: rollouts', () => {
  let f: KubeFixture;
  before(async () => (f = await realNodeFixture()));
  after(async () => f?.close());

  async function useImage(serviceId: string, name: string, tag: string): Promise<void> {
    await f.store.updateService(serviceId, { source: { image: { name, tag } } });
  }

  /** Until the endpoint answers 200 with this body (bounded: 30 s). */
  async function answers(url: string, body: string): Promise<void> {
    let last: unknown;
    await f.until(`${url} to answer ${body}`, async () => {
      last = await getOnce(url);
      return JSON.stringify(last) === JSON.stringify({ status: 200, body });
    }, 30_000).catch((error: unknown) => assert.fail(`${(error as Error).message}; last answer ${JSON.stringify(last)}`));
  }

  async function endpointOf(serviceId: string): Promise<string> {
    const [endpoint] = await f.engine.endpoints(serviceId);
    assert.ok(endpoint, 'the service reports an endpoint');
    return endpoint.url;
  }

  test('Redeploy of 3 instances under load: 0 failed requests, never fewer than 3 ready pods', async (t) => {
    const env = await realEnvironment(f);
    const web = await f.container(env, 'web', webSettings({ instances: 3 }));
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web }, 180_000)).status, 'SUCCESS');
    const pods = await f.pods(web);
    assert.equal(pods.length, 3);
    for (const pod of pods) assert.equal(pod.spec?.nodeName, REAL_NODE, 'the pod runs on the real node');
    const url = await endpointOf(web);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    // kube-proxy programs the NodePort a moment after the Service appears.
    await answers(url, 'v1');

    await useImage(web, APP_IMAGE, 'v2');
    const load = sendRequests(url, (body) => body === 'v1' || body === 'v2');
    const ready = sampleReadyPods(f, web);
    const redeploy = await f.run(env, 'REDEPLOY', { serviceId: web }, 180_000);
    const samples = await ready.stop();
    const stats = await load.stop();
    t.diagnostic(`${stats.ok} requests ok, ${stats.failed} failed; ready pods ${Math.min(...samples)}..${Math.max(...samples)} over ${samples.length} samples; ${ready.names.size} pods seen`);
    assert.equal(redeploy.status, 'SUCCESS', redeploy.message ?? '');
    assert.deepEqual(stats.failures.slice(0, 5), [], `${stats.failed} failed requests`);
    assert.ok(stats.ok > 0);
    assert.ok(Math.min(...samples) >= 3, `ready pods dropped below 3: ${samples.join(',')}`);
    assert.ok(ready.names.size >= 6, 'every pod was replaced');
    await answers(url, 'v2'); // (the old pods drain for a few seconds)
  });

  test('a never-ready version is judged failed at the deadline and undone; the old pods answer throughout', async (t) => {
    const env = await realEnvironment(f);
    const web = await f.container(env, 'web', webSettings({ instances: 2, startTimeoutSeconds: 10 }));
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web }, 180_000)).status, 'SUCCESS');
    const goodHash = (await f.deployment(web))!.spec!.template!.metadata!.annotations![ANNOTATION.specHash];
    const url = await endpointOf(web);
    await answers(url, 'v1');

    await useImage(web, `${REGISTRY}/slipway-test/never-ready`, 'v1');
    const load = sendRequests(url, (body) => body === 'v1');
    const ready = sampleReadyPods(f, web);
    const started = Date.now();
    const redeploy = await f.run(env, 'REDEPLOY', { serviceId: web }, 180_000);
    const tookMs = Date.now() - started;
    // The undo waits until the previous pods serve again: keep the client on until then too.
    await f.until('the undone Deployment to be complete', async () => {
      const d = await f.deployment(web);
      return d?.status?.updatedReplicas === 2 && d.status.availableReplicas === 2 && (d.status.replicas ?? 0) === 2;
    });
    const stats = await load.stop();
    const samples = await ready.stop();
    // Pods seen: 3 when the undo kept the old pods (2) and removed the never-ready one; more would mean the old ones were replaced.
    t.diagnostic(`judged in ${Math.round(tookMs / 1000)} s; ${stats.ok} requests ok, ${stats.failed} failed ${JSON.stringify(stats.failures.slice(0, 3))}; ready pods ${Math.min(...samples)}..${Math.max(...samples)}; pods seen ${ready.names.size}`);
    // The old pods never leave: the new one is added beside them (maxUnavailable 0) and removed by the undo.
    assert.ok(Math.min(...samples) >= 2, `ready pods dropped below 2: ${samples.join(',')}`);
    assert.equal(redeploy.status, 'ERROR');
    assert.equal(await f.status(web), 'DEPLOYMENT_ERROR');
    const message = (await f.store.getService(web))!.statusMessage ?? '';
    assert.match(message, /progress deadline|ProgressDeadlineExceeded|not ready|exceeded/i, message);
    assert.equal((await f.deployment(web))!.spec!.template!.metadata!.annotations![ANNOTATION.specHash], goodHash, 'the previous template is back');
    assert.deepEqual(stats.failures.slice(0, 5), [], `${stats.failed} failed requests`);
    assert.ok(stats.ok > 0);
    assert.deepEqual(await getOnce(url), { status: 200, body: 'v1' });
  });

  test('Restart replaces pods one by one gated on readiness; Stop closes the Service; Redeploy reopens it', async (t) => {
    const env = await realEnvironment(f);
    const web = await f.container(env, 'web', webSettings({ instances: 2 }));
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web }, 180_000)).status, 'SUCCESS');
    const url = await endpointOf(web);
    await answers(url, 'v1');
    const before = new Set((await f.pods(web)).map((p) => p.metadata!.name!));

    const load = sendRequests(url, (body) => body === 'v1');
    const ready = sampleReadyPods(f, web);
    const restart = await f.run(env, 'RESTART', { serviceId: web }, 180_000);
    const samples = await ready.stop();
    const stats = await load.stop();
    t.diagnostic(`restart: ${stats.ok} requests ok, ${stats.failed} failed; ready pods ${Math.min(...samples)}..${Math.max(...samples)}`);
    assert.equal(restart.status, 'SUCCESS', restart.message ?? '');
    const after = (await f.pods(web)).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);
    assert.equal(after.length, 2);
    assert.ok(after.every((name) => !before.has(name)), 'every pod was replaced');
    assert.ok(Math.min(...samples) >= 2, `ready pods dropped below 2: ${samples.join(',')}`);
    assert.deepEqual(stats.failures.slice(0, 5), [], `${stats.failed} failed requests`);

    assert.equal((await f.run(env, 'STOP', { serviceId: web }, 120_000)).status, 'SUCCESS');
    assert.equal((await f.pods(web)).length, 0);
    const stopped = await getOnce(url);
    assert.ok('error' in stopped || stopped.status !== 200, `the Service stopped answering: ${JSON.stringify(stopped)}`);

    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web }, 180_000)).status, 'SUCCESS');
    await answers(url, 'v1'); // Redeploy brings it back on the same endpoint
  });

  test('a tcp port: the NodePort Slipway reports carries a raw TCP exchange from this machine', async () => {
    const env = await realEnvironment(f, 'tcp');
    const app = await f.container(env, 'tcpapp', webSettings({ ports: [{ containerPort: 8080, public: true, protocol: 'tcp' }] }));
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: app }, 180_000)).status, 'SUCCESS');
    const [endpoint] = await f.engine.endpoints(app);
    assert.ok(endpoint, 'the service reports an endpoint');
    assert.equal(endpoint.protocol, 'tcp');
    const { hostname, port } = new URL(endpoint.url);
    assert.equal(hostname, '127.0.0.1');
    // Plain bytes over the socket (the app happens to speak HTTP/1.0 on it).
    const exchange = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: hostname, port: Number(port) });
        const chunks: Buffer[] = [];
        socket.setTimeout(3000, () => socket.destroy(new Error('no answer within 3 s')));
        socket.on('connect', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
        socket.on('error', reject);
      });
    let last = '';
    // kube-proxy programs the NodePort a moment after the Service appears (bounded: 30 s).
    await f.until(`${endpoint.url} to answer`, async () => {
      last = await exchange().catch((error: unknown) => String(error));
      return /\r\n\r\nv1\s*$/.test(last);
    }, 30_000).catch((error: unknown) => assert.fail(`${(error as Error).message}; last: ${JSON.stringify(last.slice(-200))}`));
  });
});
