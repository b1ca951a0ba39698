import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { RegistryClient } from '../../src/build/registry-client.js';
import { CaddyAdmin } from '../../src/runtime/docker/caddy/caddy-admin.js';
import { adminSocketPath } from '../../src/runtime/docker/caddy/edge-container.js';
import { DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { ImageNotFoundError } from '../../src/runtime/docker/resolve-image.js';
import { RolloutFailedError, type Endpoint } from '../../src/runtime/runtime.js';
import { APP_PORT, testImages } from '../support/images.js';
import {
  cleanup,
  containersOf,
  context,
  docker,
  eventually,
  portBlock,
  memoryHostPorts,
  rolloutSpec,
  runId,
  target,
  versionsOf,
} from './docker-runtime-fixture.js';
import { startTestEdge, type TestEdge } from './docker-test-edge.js';

/** A push's or pull's progress stream read to its end; an error in it fails. */
function followed(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => (error ? reject(error) : events.find((e) => e.error) ? reject(new Error(events.find((e) => e.error)!.error)) : resolve())));
}

/**
 * Deploying, observing, failing, stopping and deleting against the real Docker Engine, public
 * http ports served by a Caddy edge of the test's own (docker-test-edge.ts).
 */
describe('DockerRuntime', () => {
  const hostPorts = memoryHostPorts();
  const { range, edgePort } = portBlock(0);
  let edge: TestEdge;
  let runtime: DockerRuntime;
  const images: Record<string, string> = {};
  /** The first answer through the edge after a deploy from no ready instance: Caddy's next health check (300 ms) lets it in. */
  const served = (endpoint: Endpoint, path = '/'): Promise<string> => eventually(`${endpoint.host}${path} served`, () => edge.get(endpoint, path), 5000);

  before(async () => {
    edge = await startTestEdge(edgePort);
    runtime = new DockerRuntime({ edge: edge.edge, hostPorts, publicHost: '127.0.0.1', hostPortRange: range, drainTimeoutMs: 8000, stopTimeoutSeconds: 2 });
    await runtime.start();
    for (const [key, image] of Object.entries(testImages)) images[key] = await runtime.resolveImage(image, context());
  });

  after(async () => {
    await runtime?.close();
    // The edge container first: a network it is on cannot be removed.
    await edge?.remove();
    await cleanup();
  });

  it('resolves an image to its id and refuses one that does not exist', async () => {
    assert.match(images.appV1!, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(images.appV1, images.appV2);
    await assert.rejects(runtime.resolveImage({ name: testImages.appV1.name, tag: 'no-such-tag' }, context()), ImageNotFoundError);
  });

  // The registry is asked through the engine, or by the server's registry client when the runtime has one.
  for (const asked of ['the engine', 'the registry client'] as const) {
    it(`pulls a tag only when the registry serves something else for it (asked through ${asked}): a moved tag is pulled, an unchanged one is not`, async () => {
      const resolver = asked === 'the engine' ? runtime : new DockerRuntime({ edge: edge.edge, hostPorts, registry: new RegistryClient() });
      await movingTag(resolver, `moving-${asked === 'the engine' ? 'engine' : 'client'}`);
    });
  }

  async function movingTag(resolver: DockerRuntime, repository: string): Promise<void> {
    const name = `${testImages.appV1.name.replace(/\/[^/]+$/, '')}/${repository}`;
    const tag = runId;
    const ref = `${name}:${tag}`;
    const pushAs = async (source: string): Promise<void> => {
      await docker.getImage(source).tag({ repo: name, tag });
      await followed(await docker.getImage(ref).push({ authconfig: { serveraddress: name.split('/')[0]! } }));
      // Only the registry has it now: what resolveImage finds locally comes from its own pull.
      await docker.getImage(ref).remove();
    };
    try {
      await pushAs(images.appV1!);
      const first = context();
      assert.equal(await resolver.currentImage({ name, tag }, context()), null, 'not here yet: only a pull can tell');
      assert.equal(await resolver.resolveImage({ name, tag }, first), images.appV1);
      assert.ok(first.lines.some((l) => l.message === `pulling ${ref}`), 'not here yet: pulled');
      assert.equal(await resolver.currentImage({ name, tag }, context()), images.appV1, 'now current: known without a pull');
      const again = context();
      assert.equal(await resolver.resolveImage({ name, tag }, again), images.appV1);
      assert.ok(!again.lines.some((l) => l.message.startsWith('pulling')), JSON.stringify(again.lines));
      assert.ok(again.lines.some((l) => l.message.startsWith(`${ref} is up to date (sha256:`)), JSON.stringify(again.lines));
      // The tag moves to v2 in the registry while this engine still has v1 under it: the next resolve pulls.
      await docker.getImage(images.appV2!).tag({ repo: name, tag });
      await followed(await docker.getImage(ref).push({ authconfig: { serveraddress: name.split('/')[0]! } }));
      await docker.getImage(images.appV1!).tag({ repo: name, tag });
      assert.equal(await resolver.currentImage({ name, tag }, context()), null, 'moved: only a pull can tell');
      const moved = context();
      assert.equal(await resolver.resolveImage({ name, tag }, moved), images.appV2);
      assert.ok(moved.lines.some((l) => l.message === `pulling ${ref}`), JSON.stringify(moved.lines));
    } finally {
      await docker.getImage(ref).remove().catch(() => undefined);
    }
  }

  it('deploys from nothing to ready instances reachable through the edge by host name and by service name', async () => {
    const web = target('web');
    const spec = rolloutSpec(images.appV1!, 'v1', { instances: 2, env: { GREETING: 'hello' } });
    await runtime.deploy(web, spec, context());

    const [endpoint] = await runtime.endpoints(web);
    assert.ok(endpoint);
    assert.equal(endpoint.protocol, 'http');
    assert.equal(endpoint.host, edge.hostOf(web.serviceId));
    // https once the edge's CA issued its certificate (caddy-edge.test.ts), plain http before.
    const host = edge.hostOf(web.serviceId);
    assert.ok([`http://${host}:${edge.httpPort}`, `https://${host}:${edge.httpPort + 1}`].includes(endpoint.url), endpoint.url);
    // The edge is told of each instance as the monitor admits it (a file written just after).
    await eventually('both instances in the route', async () => (await edge.readyUpstreams(web.serviceId)) === 2);
    assert.equal(await served(endpoint), 'v1');
    assert.equal(await edge.get(endpoint, '/env.txt'), 'hello');
    // Nothing listens for it on a host port: http goes through the edge only.
    assert.deepEqual((await containersOf(web.serviceId)).flatMap((c) => (c.Ports ?? []).filter((p) => p.PublicPort)), []);

    assert.equal(await runtime.runningSpecHash(web), spec.specHash);
    // The same, for the whole environment in one list: a service without containers is absent.
    const hashes = await runtime.runningSpecHashes(web);
    assert.equal(hashes.get(web.serviceId), spec.specHash);
    assert.equal(hashes.has('no-such-service'), false);
    const state = await runtime.observe(web);
    assert.equal(state.status, 'RUNNING');
    assert.equal(state.instances.length, 2);
    assert.ok(state.instances.every((i) => i.ready && i.version === 'v1' && i.restarts === 0 && i.startedAt !== null));
    // The same from one list of the environment; a service without containers is STOPPED.
    const observed = await runtime.observeEnvironment(web, [web.serviceId, 'no-such-service']);
    assert.deepEqual(observed.get(web.serviceId), state);
    assert.deepEqual(observed.get('no-such-service'), { status: 'STOPPED', instances: [] });

    // Labels, limits, and the network alias other services use.
    const [first] = await containersOf(web.serviceId);
    const info = await docker.getContainer(first!.Id).inspect();
    assert.equal(info.Config.Labels['slipway.managed'], 'true');
    assert.equal(info.Config.Labels['slipway.environment'], web.environmentId);
    assert.equal(info.Config.Labels['slipway.spec-hash'], spec.specHash);
    assert.equal(info.HostConfig.NanoCpus, 250_000_000);
    assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024);
    const exec = await docker.getContainer(first!.Id).exec({ Cmd: ['wget', '-qO-', `http://web:${APP_PORT}/`], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const output: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => output.push(chunk));
    await new Promise((resolve) => stream.on('end', resolve));
    assert.equal((await exec.inspect()).ExitCode, 0);
    assert.match(Buffer.concat(output).toString('latin1'), /v1/);
  });

  it('leaves running containers alone when it is only asked about them', async () => {
    const web = target('web');
    const before = (await containersOf(web.serviceId)).map((c) => `${c.Id} ${c.State}`).sort();
    const events = await docker.getEvents({ filters: { label: [`slipway.service=${web.serviceId}`], type: ['container'] } });
    const actions: string[] = [];
    events.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const action = (JSON.parse(line) as { Action: string }).Action;
        if (!action.startsWith('exec_')) actions.push(action);
      }
    });
    // Read-only calls, and time for the monitor to re-probe every instance a few times.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      await runtime.runningSpecHash(web);
      await runtime.observe(web);
      await runtime.endpoints(web);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    (events as unknown as { destroy(): void }).destroy();
    assert.deepEqual(actions, []);
    assert.deepEqual((await containersOf(web.serviceId)).map((c) => `${c.Id} ${c.State}`).sort(), before);
  });

  it('fails a rollout whose instances never become ready, removes them and keeps v1 serving', async () => {
    const web = target('web');
    const before = (await containersOf(web.serviceId)).map((c) => c.Id).sort();
    const [endpoint] = await runtime.endpoints(web);
    const ctx = context();
    await assert.rejects(
      runtime.deploy(web, rolloutSpec(images.neverReady!, 'never', { instances: 2, startTimeoutSeconds: 3 }), ctx),
      (error: unknown) => error instanceof RolloutFailedError && /not ready within 3 s/.test(error.message),
    );
    assert.deepEqual((await containersOf(web.serviceId)).map((c) => c.Id).sort(), before);
    assert.equal(await edge.get(endpoint!), 'v1');
    assert.equal((await runtime.observe(web)).status, 'RUNNING');
    // The instances that never became ready never joined the route: the 2 of v1 are all it has.
    assert.equal(await edge.readyUpstreams(web.serviceId), 2);
  });

  it('fails a rollout whose instance crashes, and leaves nothing behind', async () => {
    const crash = target('crash');
    const ctx = context();
    await assert.rejects(
      runtime.deploy(crash, rolloutSpec(images.crash!, 'crash', { healthchecks: {}, ports: [] }), ctx),
      (error: unknown) => error instanceof RolloutFailedError && /exited with code 1/.test(error.message),
    );
    assert.deepEqual(await containersOf(crash.serviceId), []);
    assert.ok(ctx.lines.some((l) => l.message.includes('crash: exiting 1')), 'the deployment log shows the instance output');
    assert.equal((await runtime.observe(crash)).status, 'STOPPED');
    assert.equal(await runtime.runningSpecHash(crash), null);
    assert.equal((await runtime.runningSpecHashes(crash)).get(crash.serviceId) ?? null, null);
  });

  it('counts an instance without a readiness probe as ready after 5 s of running', async () => {
    const plain = target('plain');
    const started = Date.now();
    await runtime.deploy(plain, rolloutSpec(images.appV1!, 'v1', { healthchecks: {}, ports: [] }), context());
    assert.ok(Date.now() - started >= 5000);
    const state = await eventually('instance ready', async () => {
      const s = await runtime.observe(plain);
      return s.status === 'RUNNING' && s;
    });
    assert.equal(state.instances[0]?.ready, true);
    await runtime.delete(plain, { keepData: false }, context());
  });

  it('waits for a slow instance to pass its readiness probe', async () => {
    const slow = target('slow');
    const ctx = context();
    const started = Date.now();
    await runtime.deploy(slow, rolloutSpec(images.slowReady!, 'v1', { env: { READY_DELAY: '3' } }), ctx);
    assert.ok(Date.now() - started >= 3000, 'not ready before the app serves');
    const [endpoint] = await runtime.endpoints(slow);
    assert.equal(await served(endpoint!), 'v1');
    await runtime.delete(slow, { keepData: false }, context());
  });

  it('stop keeps the volume (exec readiness probe), a later deploy sees its file; delete removes containers, volumes and ports', async () => {
    const db = target('db');
    const spec = rolloutSpec(images.appV1!, 'v1', {
      storage: [{ mountPath: '/data', sizeGb: 1 }],
      healthchecks: { readiness: { type: 'exec', command: ['cat', '/www/healthz'], initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 1 } },
    });
    await runtime.deploy(db, spec, context());
    const [container] = await containersOf(db.serviceId);
    const exec = await docker.getContainer(container!.Id).exec({ Cmd: ['sh', '-c', 'printf kept > /data/file.txt'] });
    await (await exec.start({ hijack: true, stdin: false })).resume();
    await eventually('file written', async () => (await exec.inspect()).ExitCode === 0);

    await runtime.stop(db, context());
    assert.deepEqual(await containersOf(db.serviceId), []);
    assert.equal((await runtime.observe(db)).status, 'STOPPED');
    const volumes = async (): Promise<string[]> => ((await docker.listVolumes({ filters: { label: [`slipway.service=${db.serviceId}`] } })).Volumes ?? []).map((v) => v.Name);
    assert.deepEqual(await volumes(), [`slipway-${db.serviceId}-0`]);

    await runtime.deploy(db, spec, context());
    const [endpoint] = await runtime.endpoints(db);
    assert.equal(await served(endpoint!, '/data/file.txt'), 'kept');

    // Stop-first with storage: a failed rollout recreates the old instance on the same volume.
    const v1Id = (await containersOf(db.serviceId))[0]!.Id;
    await assert.rejects(
      runtime.deploy(db, rolloutSpec(images.neverReady!, 'never', { storage: spec.storage, startTimeoutSeconds: 2 }), context()),
      RolloutFailedError,
    );
    const restored = await containersOf(db.serviceId);
    assert.equal(restored.length, 1);
    assert.notEqual(restored[0]!.Id, v1Id);
    assert.equal(restored[0]!.Labels['slipway.spec-hash'], spec.specHash);
    assert.equal(await served(endpoint!, '/data/file.txt'), 'kept');

    await runtime.delete(db, { keepData: false }, context());
    assert.deepEqual(await containersOf(db.serviceId), []);
    assert.deepEqual(await volumes(), []);
    assert.deepEqual(await runtime.endpoints(db), []);
    assert.deepEqual(await hostPorts.listHostPorts(db.serviceId), []);
    assert.equal((await edge.request(endpoint!.host!)).status, 404, 'its host name is no longer routed');
  });

  it('reports ERROR for an instance that keeps crashing after it was ready', async () => {
    // The crash image runs 2 s, so with no probe it never becomes ready; run it via a command
    // on the app image instead: ready at once (tcp probe), then exits, restarted by Docker.
    const flaky = target('flaky');
    const spec = rolloutSpec(images.appV1!, 'v1', {
      command: ['sh', '-c', 'httpd -p 8080 -h /www; sleep 3; exit 3'],
      healthchecks: { readiness: { type: 'tcp', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } },
    });
    await runtime.deploy(flaky, spec, context());
    const state = await eventually('ERROR', async () => {
      const s = await runtime.observe(flaky);
      return s.status === 'ERROR' && s;
    });
    assert.equal(state.instances[0]?.ready, false);
    const final = await eventually('restarts counted', async () => {
      const s = await runtime.observe(flaky);
      return (s.instances[0]?.restarts ?? 0) > 0 && s.instances[0]?.lastExitCode === 3 ? s : undefined;
    });
    assert.equal(final.instances[0]?.lastExitCode, 3);
    await runtime.delete(flaky, { keepData: false }, context());
  });

  it('drains an instance that fails readiness and restarts it when liveness fails', async () => {
    const live = target('live');
    const probe = { type: 'http' as const, path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1 };
    await runtime.deploy(
      live,
      rolloutSpec(images.appV1!, 'v1', { healthchecks: { readiness: { ...probe, failureThreshold: 1 }, liveness: { ...probe, failureThreshold: 3 } } }),
      context(),
    );
    const [endpoint] = await runtime.endpoints(live);
    await eventually('in the route', async () => (await edge.readyUpstreams(live.serviceId)) === 1);
    assert.equal(await served(endpoint!), 'v1');
    const [container] = await containersOf(live.serviceId);
    const exec = await docker.getContainer(container!.Id).exec({ Cmd: ['rm', '/www/healthz'] });
    (await exec.start({ hijack: true, stdin: false })).resume();

    await eventually('drained and ERROR', async () => (await edge.readyUpstreams(live.serviceId)) === 0 && (await runtime.observe(live)).status === 'ERROR');
    // Out of the route although it still answers /: the edge says so with its 503 page.
    await eventually('503 through the edge', async () => (await edge.request(endpoint!.host!)).status === 503, 5000);
    // The entrypoint writes /www/healthz again when the liveness restart starts it anew.
    const state = await eventually('restarted and ready again', async () => {
      const s = await runtime.observe(live);
      return s.status === 'RUNNING' && (s.instances[0]?.restarts ?? 0) >= 1 && s;
    });
    assert.equal(state.instances[0]?.id, container!.Id);
    await eventually('back in the route', async () => (await edge.readyUpstreams(live.serviceId)) === 1);
    assert.equal(await served(endpoint!), 'v1');
    await runtime.delete(live, { keepData: false }, context());
  });

  it('stop drains an instance through the edge: a request in flight is answered, new ones get 503; one longer than the drain timeout is cut', async () => {
    const svc = target('drain');
    // busybox httpd with a CGI script that answers "slow" after ?N seconds.
    const cgi = '#!/bin/sh\nsleep ${QUERY_STRING:-1}\nprintf "Content-Type: text/plain\\r\\n\\r\\nslow"\n';
    const serve = `mkdir -p /www/cgi-bin && printf '${cgi}' > /www/cgi-bin/slow && busybox chmod +x /www/cgi-bin/slow && printf ok > /www/healthz && printf v1 > /www/index.html && exec httpd -f -p ${APP_PORT} -h /www`;
    const spec = rolloutSpec(images.appV1!, 'v1', { command: ['sh', '-c', serve] });
    const admin = new CaddyAdmin(adminSocketPath(edge.runDir));
    const inFlight = async (): Promise<boolean> => [...(await admin.inFlight()).values()].some((n) => n > 0);
    /** A slow GET through the edge on a connection of its own and without a client timeout: what it got, once it settles. */
    const slowGet = (host: string, seconds: number): { result: () => string | undefined; settled: Promise<void> } => {
      let result: string | undefined;
      const settled = new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: edge.httpPort, path: `/cgi-bin/slow?${seconds}`, headers: { host }, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(void (result = `${res.statusCode} ${body}`)));
          res.on('error', (error) => resolve(void (result = error.message)));
        });
        req.on('error', (error) => resolve(void (result = error.message)));
      });
      return { result: () => result, settled };
    };

    await runtime.deploy(svc, spec, context());
    const [endpoint] = await runtime.endpoints(svc);
    const host = endpoint!.host!;
    assert.equal(await served(endpoint!), 'v1');
    const slow = slowGet(host, 4);
    await eventually('the slow request in flight', inFlight);
    const stopped = runtime.stop(svc, context());
    // Out of the route at once: a new request is not sent to it (the edge's 503) while the slow one is still under way.
    await eventually('503 for a new request', async () => (await edge.request(host)).status === 503, 10_000);
    assert.equal(slow.result(), undefined, 'the slow request was still under way when new ones were refused');
    await stopped;
    assert.equal(slow.result(), '200 slow', 'the request in flight was answered before the instance was removed');

    // A request longer than the drain timeout (8 s here) does not hold the stop: it is cut.
    await runtime.deploy(svc, spec, context());
    assert.equal(await served(endpoint!), 'v1');
    const endless = slowGet(host, 60);
    await eventually('the endless request in flight', inFlight);
    await runtime.stop(svc, context());
    await endless.settled;
    assert.notEqual(endless.result(), '200 slow');
    assert.deepEqual(await containersOf(svc.serviceId), []);
    await runtime.delete(svc, { keepData: false }, context());
  });

  it('deleteEnvironment takes the edge off the network and removes it', async () => {
    const web = target('web');
    await runtime.delete(web, { keepData: false }, context());
    await runtime.deleteEnvironment(web, context());
    assert.deepEqual(await docker.listNetworks({ filters: { name: [`slipway-${web.environmentId}`] } }), []);
    await runtime.deleteEnvironment(web, context());
  });
});
