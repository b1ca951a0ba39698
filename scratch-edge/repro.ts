import http from 'node:http';
import Docker from 'dockerode';
import { CaddyAdmin } from '../src/runtime/docker/caddy/caddy-admin.js';
import { caddyConfig } from '../src/runtime/docker/caddy/caddy-config.js';
import { ensureEdgeContainer, adminSocketPath } from '../src/runtime/docker/caddy/edge-container.js';

const docker = new Docker();
const runDir = '/tmp/edge-scratch/run';
const name = 'sw-test-edge-repro';
const port = 47111;
const keepAlive = process.argv[2] === 'ka';
await ensureEdgeContainer({ docker, image: '127.0.0.1:5000/slipway-test/caddy:2.11.9', name, httpPort: port, httpsPort: port + 1, bindHost: '127.0.0.1', runDir });
const admin = new CaddyAdmin(adminSocketPath(runDir));
for (let i = 0; i < 50; i++) { try { await admin.config(); break; } catch { await new Promise(r => setTimeout(r, 200)); } }
// a backend on the host reachable from the container via docker0 gateway
const net = await docker.createNetwork({ Name: 'sw-test-repro-net', CheckDuplicate: true }).catch(() => docker.getNetwork('sw-test-repro-net'));
await net.connect({ Container: name }).catch(() => undefined);
const app = await docker.createContainer({ Image: '127.0.0.1:5000/slipway-test/app:v1', name: 'sw-test-repro-app', HostConfig: { NetworkMode: 'sw-test-repro-net' } }).catch(() => docker.getContainer('sw-test-repro-app'));
await app.start().catch(() => undefined);
await new Promise(r => setTimeout(r, 1500));
const ip = Object.values((await app.inspect()).NetworkSettings.Networks)[0].IPAddress;
const backend = { close() {} };
const cfg = (n: number) => caddyConfig([{ serviceId: 's', containerPort: 1, hosts: ['a.localhost'], upstreams: [`${ip}:8080`] }]);
await admin.load(cfg(1));
const agent = new http.Agent({ keepAlive, maxSockets: 4 });
let ok = 0; const failed: string[] = []; let running = true;
const client = (async () => { while (running) { await new Promise<void>((resolve) => { const req = http.request({ host: process.env.TARGET ?? '127.0.0.1', port: process.env.TARGET ? 80 : port, headers: { host: 'a.localhost' }, agent }, (res) => { res.resume(); res.on('end', () => { if (res.statusCode === 200) ok++; else failed.push(String(res.statusCode)); resolve(); }); }); req.on('error', (e: any) => { failed.push(`${e.code} reused=${req.reusedSocket}`); resolve(); }); req.end(); }); } })();
for (let i = 0; i < 40; i++) { await admin.load({ ...cfg(i), apps: { http: { servers: { slipway: { ...(cfg(i) as any).apps.http.servers.slipway, routes: [...(cfg(i) as any).apps.http.servers.slipway.routes, { handle: [{ handler: 'static_response', body: String(i) }], match: [{ host: ['x'] }] }] } } } } }); await new Promise(r => setTimeout(r, 50)); }
running = false; await client;
console.log({ keepAlive, ok, failed: failed.length, sample: failed.slice(0, 5) });
backend.close(); agent.destroy();
