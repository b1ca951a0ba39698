/**
 * The event stream under fan-out: CLIENTS clients connected to GET /api/v1/events while
 * ENVIRONMENTS environments of SERVICES services deploy at once (one request each, through the
 * API) on the instant stub runtime, the server in its own process (bench/support/event-server.ts).
 * Checks that every client received every event, in order, and measures each delivery's delay:
 * the time a client read the event minus the time the engine published it (both processes
 * read the same system clock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.js';
import { connectBenchClient, forEachReadTime, type BenchClient } from './support/sse-bench-client.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';

const CLIENTS = Number(process.env.BENCH_EVENTS_CLIENTS ?? 1000);
const ENVIRONMENTS = Number(process.env.BENCH_EVENTS_ENVIRONMENTS ?? 100);
const SERVICES = Number(process.env.BENCH_EVENTS_SERVICES ?? 10);
const TOKEN = 'bench-events-token-0123456789abcdef';
/** A directory to write the server process's CPU profile to (node --cpu-prof), to see where its time goes. */
const CPU_PROF_DIR = process.env.BENCH_EVENTS_CPU_PROF;
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every PARSE_EVERY-th client also parses what it reads, to be compared with what was published. */
const PARSE_EVERY = 100;

const ENDED = /"status":"(SUCCESS|ERROR|CANCELED|SKIPPED)"/;

/** How many deployments a parsing client saw end. */
function endedDeployments(client: BenchClient): number {
  let ended = 0;
  for (const { event, data } of client.frames ?? []) if (event === 'deployment.status' && ENDED.test(data)) ended++;
  return ended;
}

function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function eventStreamBench(): Promise<Omit<BenchResult, 'durationMs'>> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-events-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const closers: Array<() => void> = [];
  try {
    const profile = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
    child = spawn(process.execPath, [...profile, '--import', 'tsx', join(repo, 'bench', 'support', 'event-server.ts')], {
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

    const clients: BenchClient[] = [];
    const connectStart = performance.now();
    const benchCpuStart = process.cpuUsage();
    for (let i = 0; i < CLIENTS; i += 50) {
      const batch = Array.from({ length: Math.min(50, CLIENTS - i) }, (_, j) => connectBenchClient(port, '/api/v1/events', TOKEN, (i + j) % PARSE_EVERY === 0));
      for (const { client, close } of await Promise.all(batch)) {
        clients.push(client);
        closers.push(close);
      }
    }
    const parsing = clients.filter((c) => c.frames !== null);
    const connectMs = performance.now() - connectStart;

    const deployStart = performance.now();
    await Promise.all(
      environmentIds.map(async (id) => {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/environments/${id}/deploy`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
        if (response.status !== 202) throw new Error(`POST /environments/{id}/deploy answered ${response.status}`);
      }),
    );
    // Done when a parsing client saw every deployment end and all hold the same number of events for a second.
    let steady = 0;
    let last = -1;
    while (steady < 5) {
      if (performance.now() - deployStart > 600_000) throw new Error('the clients did not get every deployment end within 10 minutes');
      await new Promise((r) => setTimeout(r, 200));
      const count = clients[0]!.events;
      const done = endedDeployments(parsing[0]!) >= environmentIds.length && clients.every((c) => c.events === count);
      steady = done && count === last ? steady + 1 : 0;
      last = count;
    }
    const deployMs = performance.now() - deployStart;
    const benchCpu = process.cpuUsage(benchCpuStart);

    const publishedFile = join(dir, 'published.json');
    child.kill('SIGUSR2');
    for (let waited = 0; !existsSync(publishedFile); waited += 100) {
      if (waited > 60_000) throw new Error('the event server did not write the publish times within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 200));
    const { published, events, cpu: serverCpu } = JSON.parse(readFileSync(publishedFile, 'utf8')) as { published: number[]; events: Array<[string, string]>; cpu: NodeJS.CpuUsage };
    // The parsing clients read exactly what was published, in the order it was: event by event.
    const faithful = parsing.filter((c) => c.frames!.length === events.length && c.frames!.every((f, i) => f.event === events[i]![0] && f.data === events[i]![1])).length;
    const cpuMs = (usage: NodeJS.CpuUsage): string => ms((usage.user + usage.system) / 1000);
    const complete = clients.filter((c) => c.events === published.length).length;
    const delays = new Float64Array(clients.reduce((n, c) => n + c.events, 0));
    let d = 0;
    for (const client of clients) forEachReadTime(client, (at, i) => (delays[d++] = at - published[i]!));
    delays.sort();
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
        what: `of which every ${PARSE_EVERY}th parsed what it read: clients whose events were those published, in order, byte for byte`,
        measured: `${faithful} of ${parsing.length}`,
        target: `${parsing.length}`,
        verdict: verdict(faithful === parsing.length),
        value: faithful,
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
      { what: 'CPU time over both: the server process; the clients (the bench process)', measured: `${cpuMs(serverCpu)}; ${cpuMs(benchCpu)}`, target: '', verdict: 'info' },
    ];
    return {
      name: 'events',
      title: 'Event stream fan-out',
      rows,
      notes: [
        'Server: bench/support/event-server.ts in its own process (tsx), the API on an Engine with the instant stub runtime, SQLite; one admin token, no filter, so every client gets every event.',
        `Clients: ${CLIENTS} connections from the bench process, which shares the cores with the server; each notes the time it read each event by counting frame ends in the bytes of a bare socket (bench/support/sse-bench-client.ts), every ${PARSE_EVERY}th is an http.get that also parses them. Deploys: one POST /environments/{id}/deploy per environment, all at once.`,
      ],
    };
  } finally {
    for (const close of closers) close();
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
