/**
 * The event stream under fan-out: CLIENTS clients connected to GET /api/v1/events while
 * ENVIRONMENTS environments of SERVICES services deploy at once (one request each, through the
 * API) on the instant stub runtime, the server in its own process (bench/support/event-server.ts).
 * Checks that every client received every event, in order, and measures each delivery's delay:
 * the time a client read the event minus the time the engine published it (both processes
 * read the same system clock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from './support/free-port.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';

const CLIENTS = Number(process.env.BENCH_EVENTS_CLIENTS ?? 1000);
const ENVIRONMENTS = Number(process.env.BENCH_EVENTS_ENVIRONMENTS ?? 100);
const SERVICES = Number(process.env.BENCH_EVENTS_SERVICES ?? 10);
const TOKEN = 'bench-events-token-0123456789abcdef';
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Per client: the time it read each event, in order, and how many deployments it saw end. */
interface Client {
  times: number[];
  ended: number;
}

const ENDED = /^event: deployment\.status$[\s\S]*"status":"(SUCCESS|ERROR|CANCELED|SKIPPED)"/m;

/** One SSE client: the time it read each event (data line), in order. */
function connect(port: number, client: Client): Promise<http.ClientRequest> {
  const times = client.times;
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/api/v1/events', agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET /events answered ${response.statusCode}`));
      let buffered = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const at = performance.timeOrigin + performance.now();
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (/^data:/m.test(frame)) times.push(at);
          if (ENDED.test(frame)) client.ended++;
        }
      });
      resolve(request);
    });
    request.on('error', reject);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function eventStreamBench(): Promise<Omit<BenchResult, 'durationMs'>> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-events-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const requests: http.ClientRequest[] = [];
  try {
    child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'bench', 'support', 'event-server.ts')], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_EVENTS_DIR: dir, BENCH_EVENTS_PORT: String(port), BENCH_EVENTS_TOKEN: TOKEN, BENCH_EVENTS_ENVIRONMENTS: String(ENVIRONMENTS), BENCH_EVENTS_SERVICES: String(SERVICES) },
    });
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`the event server exited with code ${code} before listening`)));
    });
    const { environmentIds } = JSON.parse(first) as { environmentIds: string[] };

    const clients: Client[] = Array.from({ length: CLIENTS }, () => ({ times: [], ended: 0 }));
    const connectStart = performance.now();
    for (let i = 0; i < CLIENTS; i += 50) requests.push(...(await Promise.all(clients.slice(i, i + 50).map((client) => connect(port, client)))));
    const connectMs = performance.now() - connectStart;

    const deployStart = performance.now();
    await Promise.all(
      environmentIds.map(async (id) => {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/environments/${id}/deploy`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
        if (response.status !== 202) throw new Error(`POST /environments/{id}/deploy answered ${response.status}`);
      }),
    );
    // Done when every client saw every deployment end and all hold the same number of events for a second.
    let steady = 0;
    let last = -1;
    while (steady < 5) {
      if (performance.now() - deployStart > 600_000) throw new Error('the clients did not get every deployment end within 10 minutes');
      await new Promise((r) => setTimeout(r, 200));
      const count = clients[0]!.times.length;
      const done = clients.every((c) => c.ended >= environmentIds.length && c.times.length === count);
      steady = done && count === last ? steady + 1 : 0;
      last = count;
    }
    const deployMs = performance.now() - deployStart;

    const publishedFile = join(dir, 'published.json');
    child.kill('SIGUSR2');
    for (let waited = 0; !existsSync(publishedFile); waited += 100) {
      if (waited > 60_000) throw new Error('the event server did not write the publish times within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 200));
    const published = JSON.parse(readFileSync(publishedFile, 'utf8')) as number[];
    const complete = clients.filter((c) => c.times.length === published.length).length;
    const delays: number[] = [];
    for (const { times } of clients) times.forEach((at, i) => delays.push(at - published[i]!));
    delays.sort((a, b) => a - b);
    const p99 = percentile(delays, 99);
    const rows: Row[] = [
      {
        what: `${CLIENTS} clients on GET /events while ${ENVIRONMENTS} environments × ${SERVICES} services deploy: clients that got every event`,
        measured: `${complete} of ${CLIENTS} (${published.length} events each, ${delays.length} deliveries)`,
        target: `${CLIENTS}`,
        verdict: verdict(complete === CLIENTS),
        value: complete,
      },
      {
        what: 'delivery delay p99 (published → read by the client)',
        measured: `${ms(p99)} (p50 ${ms(percentile(delays, 50))}, max ${ms(delays[delays.length - 1] ?? Number.NaN)})`,
        target: '< 100 ms',
        verdict: verdict(p99 < 100),
        value: p99,
        unit: 'ms',
      },
      { what: 'connecting the clients; the deploys until every client had the last event (+1 s to see it settle)', measured: `${ms(connectMs)}; ${ms(deployMs)}`, target: '', verdict: 'info' },
    ];
    return {
      name: 'events',
      title: 'Event stream fan-out',
      rows,
      notes: [
        'Server: bench/support/event-server.ts in its own process (tsx), the API on an Engine with the instant stub runtime, SQLite; one admin token, no filter, so every client gets every event.',
        `Clients: ${CLIENTS} plain http.get connections from the bench process, which shares the cores with the server; deploys: one POST /environments/{id}/deploy per environment, all at once.`,
      ],
    };
  } finally {
    for (const request of requests) request.destroy();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
