/**
 * The edge proxy against real local servers on 127.0.0.1 (no Docker needed): routing, round
 * robin, 503/502 answers, drain, zero failed requests while every backend is replaced under
 * load, WebSocket upgrades, tcp routes, retries and port release.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { EdgeProxy, type ProxyBackend } from '../../src/runtime/docker/edge-proxy.js';

const HOST = '127.0.0.1';
const SERVICE = 'svc-1';
const CONTAINER_PORT = 8080;

// ---------------------------------------------------------------------------- helpers

/** A port nothing listens on right now (the OS picked it, then it was released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Backend {
  id: string;
  backend: ProxyBackend;
  server: http.Server;
  /** Requests received, by path. */
  hits: string[];
  /** Sockets currently open to this backend. */
  sockets: Set<net.Socket>;
  events: EventEmitter;
  close(): Promise<void>;
}

/**
 * A backend answering `{ backend, method, url, headers, body }`. `/slow` is held until
 * `events.emit('release')` (it emits 'slow' on arrival).
 */
async function startBackend(id: string, t: TestContext): Promise<Backend> {
  const hits: string[] = [];
  const sockets = new Set<net.Socket>();
  const events = new EventEmitter();
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (): void => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-backend', id);
        res.end(JSON.stringify({ backend: id, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
      };
      if (req.url === '/slow') {
        events.once('release', answer);
        events.emit('slow', id);
      } else answer();
    });
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  const close = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of sockets) socket.destroy(); // upgraded ones too
    await closed;
  };
  t.after(close);
  return { id, backend: { id, host: HOST, port }, server, hits, sockets, events, close };
}

async function startProxy(t: TestContext): Promise<{ proxy: EdgeProxy; port: number }> {
  const proxy = new EdgeProxy({ bindHost: HOST });
  t.after(() => proxy.close());
  const port = await freePort();
  await proxy.openRoute({ serviceId: SERVICE, containerPort: CONTAINER_PORT, hostPort: port, protocol: 'http' });
  return { proxy, port };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): Record<string, unknown>;
}

function request(port: number, options: { method?: string; path?: string; body?: string; headers?: http.OutgoingHttpHeaders; agent?: http.Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Resolves when `predicate` holds, checking on every `event` of `emitter`. */
function until(emitter: EventEmitter, event: string, predicate: () => boolean): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (): void => {
      if (!predicate()) return;
      emitter.off(event, check);
      resolve();
    };
    emitter.on(event, check);
  });
}

/** Resolves once every socket in the set has closed. */
async function allClosed(sockets: Set<net.Socket>): Promise<void> {
  await Promise.all([...sockets].map((s) => (s.destroyed ? undefined : once(s, 'close'))));
}

// ---------------------------------------------------------------------------- tests

test('routes requests to the backend, with method, path, headers, body and X-Forwarded-*; openRoute is idempotent', { timeout: 20_000 }, async (t) => {
  const { proxy, port } = await startProxy(t);
  await proxy.openRoute({ serviceId: SERVICE, containerPort: CONTAINER_PORT, hostPort: port, protocol: 'http' });
  const a = await startBackend('a', t);
  proxy.addBackend(SERVICE, CONTAINER_PORT, a.backend);
  assert.deepEqual(proxy.backends(SERVICE, CONTAINER_PORT), [a.backend]);

  const reply = await request(port, {
    method: 'POST',
    path: '/things?x=1',
    body: 'hello body',
    headers: { 'content-type': 'text/plain', 'x-custom': 'yes', host: 'app.example.test' },
  });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['x-backend'], 'a');
  const seen = reply.json() as { method: string; url: string; body: string; headers: Record<string, string> };
  assert.equal(seen.method, 'POST');
  assert.equal(seen.url, '/things?x=1');
  assert.equal(seen.body, 'hello body');
  assert.equal(seen.headers['x-custom'], 'yes');
  assert.equal(seen.headers['host'], 'app.example.test');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers['x-forwarded-host'], 'app.example.test');

  // A chunked upload (no content-length) is streamed through too.
  const chunked = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: HOST, port, method: 'PUT', path: '/up', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.write('part1-');
    req.end('part2');
  });
  assert.equal((JSON.parse(chunked) as { body: string }).body, 'part1-part2');

  // Opening the same service port on another host port moves the listener; backends stay.
  const moved = await freePort();
  await proxy.openRoute({ serviceId: SERVICE, containerPort: CONTAINER_PORT, hostPort: moved, protocol: 'http' });
  assert.equal((await request(moved)).headers['x-backend'], 'a');
  await assert.rejects(request(port), { code: 'ECONNREFUSED' });
});

test('spreads requests round robin across backends', { timeout: 20_000 }, async (t) => {
  const { proxy, port } = await startProxy(t);
  const backends = await Promise.all(['a', 'b', 'c'].map((id) => startBackend(id, t)));
  for (const b of backends) proxy.addBackend(SERVICE, CONTAINER_PORT, b.backend);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const served: string[] = [];
  for (let i = 0; i < 9; i++) served.push(String((await request(port, { agent })).headers['x-backend']));
  // Routing is per request even over one client keep-alive connection.
  for (const b of backends) assert.equal(b.hits.length, 3, `backend ${b.id} served ${b.hits.length} of 9: ${served.join(',')}`);
  // Strict rotation: every window of 3 consecutive requests covers the 3 backends.
  for (let i = 0; i + 3 <= served.length; i++) assert.equal(new Set(served.slice(i, i + 3)).size, 3);
});

test('answers 503 NO_READY_INSTANCE in JSON when the port has no backend', { timeout: 20_000 }, async (t) => {
  const { port } = await startProxy(t);
  const reply = await request(port, { path: '/anything' });
  assert.equal(reply.status, 503);
  assert.match(String(reply.headers['content-type']), /application\/json/);
  const body = reply.json() as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'NO_READY_INSTANCE');
  assert.equal(typeof body.error.message, 'string');
  assert.deepEqual(Object.keys(body), ['error']);
});

test('drain waits for an in-flight slow request and sends no new request to the drained backend', { timeout: 20_000 }, async (t) => {
  const { proxy, port } = await startProxy(t);
  const a = await startBackend('a', t);
  const b = await startBackend('b', t);
  proxy.addBackend(SERVICE, CONTAINER_PORT, a.backend);
  proxy.addBackend(SERVICE, CONTAINER_PORT, b.backend);
  const byId = new Map([a, b].map((x) => [x.id, x]));

  // Whichever backend gets the slow request holds it; that one is drained.
  const arrived = Promise.race([once(a.events, 'slow'), once(b.events, 'slow')]);
  const slowReply = request(port, { path: '/slow' });
  const [slowId] = (await arrived) as [string];
  const slow = byId.get(slowId)!;
  const other = slow === a ? b : a;

  let drained = false;
  const draining = proxy.drainBackend(SERVICE, CONTAINER_PORT, slowId).then(() => (drained = true));
  assert.deepEqual(proxy.backends(SERVICE, CONTAINER_PORT), [other.backend]);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  t.after(() => agent.destroy());
  for (let i = 0; i < 6; i++) {
    const r = await request(port, { path: '/fast', agent });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-backend'], other.id);
  }
  assert.deepEqual(slow.hits, ['/slow'], 'the drained backend got a new request');
  assert.equal(drained, false, 'drain resolved while a request was in flight');

  slow.events.emit('release');
  const reply = await slowReply;
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['x-backend'], slowId);
  await draining;
  assert.equal(drained, true);
  // The proxy closed its keep-alive connections to the drained backend.
  await allClosed(slow.sockets);
  assert.equal(slow.sockets.size, 0);
});

test('drain gives up waiting after timeoutMs', { timeout: 20_000 }, async (t) => {
  const { proxy, port } = await startProxy(t);
  const a = await startBackend('a', t);
  proxy.addBackend(SERVICE, CONTAINER_PORT, a.backend);
  const arrived = once(a.events, 'slow');
  const slowReply = request(port, { path: '/slow' });
  await arrived;
  await proxy.drainBackend(SERVICE, CONTAINER_PORT, 'a', 50);
  assert.deepEqual(proxy.backends(SERVICE, CONTAINER_PORT), []);
  // The held request is not cut by the timeout: it still completes.
  a.events.emit('release');
  assert.equal((await slowReply).status, 200);
});

test('zero failed requests while every backend is replaced one by one under continuous load', { timeout: 120_000 }, async (t) => {
  const { proxy, port } = await startProxy(t);
  let live = await Promise.all(['old-1', 'old-2', 'old-3'].map((id) => startBackend(id, t)));
  for (const b of live) proxy.addBackend(SERVICE, CONTAINER_PORT, b.backend);

  const CLIENTS = 4;
  const MIN_REQUESTS = 2_000;
  const progress = new EventEmitter();
  progress.setMaxListeners(0);
  let completed = 0;
  let stop = false;
  const failures: string[] = [];
  const servedBy = new Map<string, number>();

  const client = async (n: number): Promise<void> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; !stop; i++) {
        // Mostly GETs; every third request a POST with a body (never retried by the proxy).
        const post = i % 3 === 0;
        const body = post ? `client-${n}-req-${i}` : undefined;
        try {
          const r = await request(port, { method: post ? 'POST' : 'GET', path: `/load/${n}/${i}`, body, agent });
          if (r.status !== 200) failures.push(`status ${r.status}: ${r.text}`);
          else if (post && (r.json() as { body: string }).body !== body) failures.push('body mismatch');
          const by = String(r.headers['x-backend']);
          servedBy.set(by, (servedBy.get(by) ?? 0) + 1);
        } catch (err) {
          failures.push(`error: ${(err as Error).message}`);
        }
        completed += 1;
        progress.emit('done');
      }
    } finally {
      agent.destroy();
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));

  const replaced: Backend[] = [];
  for (let i = 0; i < 3; i++) {
    await until(progress, 'done', () => completed >= (i + 1) * 300);
    const old = live[0]!;
    const fresh = await startBackend(`new-${i + 1}`, t);
    proxy.addBackend(SERVICE, CONTAINER_PORT, fresh.backend);
    await proxy.drainBackend(SERVICE, CONTAINER_PORT, old.id);
    const hitsAtDrain = old.hits.length;
    await old.close(); // the old instance is gone for good
    replaced.push(old);
    live = [...live.slice(1), fresh];
    await until(progress, 'done', () => completed >= (i + 1) * 300 + 100);
    assert.equal(old.hits.length, hitsAtDrain, `${old.id} got requests after its drain`);
  }
  await until(progress, 'done', () => completed >= MIN_REQUESTS);
  stop = true;
  await Promise.all(clients);

  assert.deepEqual(failures, [], `${failures.length} of ${completed} requests failed`);
  assert.deepEqual(
    proxy.backends(SERVICE, CONTAINER_PORT).map((b) => b.id).sort(),
    ['new-1', 'new-2', 'new-3'],
  );
  for (const b of [...replaced, ...live]) assert.ok((servedBy.get(b.id) ?? 0) > 0, `${b.id} served nothing`);
});

test('WebSocket upgrade round trip through the proxy', { timeout: 20_000 }, async (t) => {
  const { proxy, port } = await startProxy(t);
  const ws = await startBackend('ws', t);
  let forwardedFor: string | undefined;
  // A minimal WebSocket echo: accepts the handshake, reads one masked text frame (< 126 bytes)
  // and answers an unmasked text frame "echo:<payload>".
  ws.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    forwardedFor = req.headers['x-forwarded-for'] as string | undefined;
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.on('end', () => socket.end()); // http servers' sockets are half-open: close our side too
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const length = buffered[1]! & 0x7f;
      if (buffered.length < 6 + length) return;
      const mask = buffered.subarray(2, 6);
      const payload = Buffer.from(buffered.subarray(6, 6 + length).map((byte, i) => byte ^ mask[i % 4]!));
      const reply = Buffer.from(`echo:${payload.toString()}`);
      socket.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
    });
  });
  proxy.addBackend(SERVICE, CONTAINER_PORT, ws.backend);

  const key = randomBytes(16).toString('base64');
  const req = http.request({
    host: HOST,
    port,
    path: '/socket',
    agent: false,
    headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': key, 'sec-websocket-version': '13' },
  });
  req.end();
  const [res, socket, head] = (await once(req, 'upgrade')) as [http.IncomingMessage, net.Socket, Buffer];
  t.after(() => socket.destroy());
  assert.equal(res.statusCode, 101);
  assert.equal(res.headers['sec-websocket-accept'], createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'));
  assert.equal(forwardedFor, '127.0.0.1');

  const text = Buffer.from('hello over ws');
  const mask = randomBytes(4);
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, Buffer.from(text.map((byte, i) => byte ^ mask[i % 4]!))]));
  let received = head;
  while (received.length < 2 || received.length < 2 + (received[1]! & 0x7f)) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    received = Buffer.concat([received, chunk]);
  }
  assert.equal(received[0], 0x81);
  assert.equal(received.subarray(2, 2 + (received[1]! & 0x7f)).toString(), 'echo:hello over ws');
});

test('tcp route: echoes through one backend per connection, half-close included; drain waits for open connections', { timeout: 20_000 }, async (t) => {
  const echo = net.createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
  const echoSockets = new Set<net.Socket>();
  echo.on('connection', (s: net.Socket) => {
    echoSockets.add(s);
    s.on('close', () => echoSockets.delete(s));
  });
  await new Promise<void>((resolve) => echo.listen(0, HOST, resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of echoSockets) s.destroy();
    echo.close(() => resolve());
  }));
  const proxy = new EdgeProxy({ bindHost: HOST });
  t.after(() => proxy.close());
  const port = await freePort();
  await proxy.openRoute({ serviceId: SERVICE, containerPort: 5432, hostPort: port, protocol: 'tcp' });
  proxy.addBackend(SERVICE, 5432, { id: 'echo', host: HOST, port: (echo.address() as net.AddressInfo).port });

  // Write, then half-close: the whole echo still comes back before the connection ends.
  const first = net.connect(port, HOST);
  first.end('ping over tcp');
  let echoed = '';
  first.setEncoding('utf8');
  first.on('data', (c: string) => (echoed += c));
  await once(first, 'end');
  assert.equal(echoed, 'ping over tcp');

  // An open connection holds the drain.
  const held = net.connect(port, HOST);
  held.write('x');
  await once(held, 'data');
  let drained = false;
  const draining = proxy.drainBackend(SERVICE, 5432, 'echo').then(() => (drained = true));
  // A new connection finds no backend and is closed without data.
  const refused = net.connect(port, HOST);
  let refusedData = '';
  refused.on('data', (c: Buffer) => (refusedData += c.toString()));
  refused.on('error', () => undefined);
  await once(refused, 'close');
  assert.equal(refusedData, '');
  assert.equal(drained, false, 'drain resolved while a connection was open');
  held.end();
  await draining;
  assert.equal(drained, true);
});

test('retries an idempotent request once on another backend when one refuses; a POST is not retried (502)', { timeout: 20_000 }, async (t) => {
  const { proxy, port } = await startProxy(t);
  const deadPort = await freePort();
  const live = await startBackend('live', t);
  proxy.addBackend(SERVICE, CONTAINER_PORT, { id: 'dead', host: HOST, port: deadPort });
  proxy.addBackend(SERVICE, CONTAINER_PORT, live.backend);

  for (let i = 0; i < 4; i++) {
    const r = await request(port, { path: `/get/${i}` });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-backend'], 'live');
  }
  for (const method of ['HEAD', 'OPTIONS']) {
    for (let i = 0; i < 2; i++) assert.equal((await request(port, { method })).status, 200);
  }

  // Two consecutive POSTs with two backends in rotation: one lands on the refusing one.
  const posts = [await request(port, { method: 'POST', body: 'p1' }), await request(port, { method: 'POST', body: 'p2' })];
  const statuses = posts.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 502]);
  const failed = posts.find((r) => r.status === 502)!;
  const body = failed.json() as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'UPSTREAM_ERROR');
  assert.ok(!failed.text.includes(String(deadPort)), 'the error names the backend address');
});

test('closeRoutes frees the host port, closes client connections and forgets the backends', { timeout: 20_000 }, async (t) => {
  const { proxy, port } = await startProxy(t);
  const a = await startBackend('a', t);
  proxy.addBackend(SERVICE, CONTAINER_PORT, a.backend);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  assert.equal((await request(port, { agent })).status, 200);
  const [clientSocket] = Object.values(agent.freeSockets).flat();
  assert.ok(clientSocket, 'the client keeps an idle keep-alive connection');
  const clientClosed = once(clientSocket, 'close');

  await proxy.closeRoutes(SERVICE);
  await clientClosed;
  assert.deepEqual(proxy.backends(SERVICE, CONTAINER_PORT), []);

  // The port can be bound again right away.
  const squatter = net.createServer();
  await new Promise<void>((resolve, reject) => {
    squatter.once('error', reject);
    squatter.listen(port, HOST, resolve);
  });
  await new Promise<void>((resolve) => squatter.close(() => resolve()));
  // And the proxy can route it again.
  await proxy.openRoute({ serviceId: SERVICE, containerPort: CONTAINER_PORT, hostPort: port, protocol: 'http' });
  assert.equal((await request(port)).status, 503);
});
