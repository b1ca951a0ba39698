/**
 * Micro-benchmark of the edge proxy on 127.0.0.1: requests/s and latency straight to a backend,
 * through the proxy (3 backends), and through the proxy while its 3 backends are replaced one
 * by one (the zero-downtime path: add new, drain old, close old). Run: npx tsx bench/edge-proxy.ts
 * Numbers depend on the machine (and on whatever else runs on it); the errors/non-2xx counts
 * of the last phase are the interesting part and should be 0.
 */
import autocannon from 'autocannon';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EdgeProxy } from '../src/runtime/docker/edge-proxy.js';

const HOST = '127.0.0.1';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

async function startBackend(id: string): Promise<{ id: string; port: number; server: http.Server }> {
  const body = JSON.stringify({ ok: true, id });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return { id, port: (server.address() as AddressInfo).port, server };
}

async function stop(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

async function measure(label: string, url: string, during?: () => Promise<void>): Promise<void> {
  const run = autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  if (during) await during();
  const r = await run;
  console.log(
    `${label.padEnd(34)} ${Math.round(r.requests.average).toString().padStart(7)} req/s  ` +
      `p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  total ${r.requests.total}  ` +
      `errors ${r.errors}  non-2xx ${r.non2xx}  timeouts ${r.timeouts}`,
  );
}

const direct = await startBackend('direct');
await measure('direct to one backend', `http://${HOST}:${direct.port}/`);
await stop(direct.server);

const proxy = new EdgeProxy({ bindHost: HOST });
const probe = http.createServer();
await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
const proxyPort = (probe.address() as AddressInfo).port;
await new Promise<void>((resolve) => probe.close(() => resolve()));
await proxy.openRoute({ serviceId: 'bench', containerPort: 80, hostPort: proxyPort, protocol: 'http' });

let live = await Promise.all(['a', 'b', 'c'].map(startBackend));
for (const b of live) proxy.addBackend('bench', 80, { id: b.id, host: HOST, port: b.port });
await measure('through the proxy (3 backends)', `http://${HOST}:${proxyPort}/`);

await measure('proxy, replacing all 3 backends', `http://${HOST}:${proxyPort}/`, async () => {
  // Spread three replacements over the run.
  const step = (DURATION_S * 1000) / 4;
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, step));
    const old = live[0]!;
    const fresh = await startBackend(`new-${i}`);
    proxy.addBackend('bench', 80, { id: fresh.id, host: HOST, port: fresh.port });
    await proxy.drainBackend('bench', 80, old.id);
    await stop(old.server);
    live = [...live.slice(1), fresh];
  }
});

await proxy.close();
await Promise.all(live.map((b) => stop(b.server)));
