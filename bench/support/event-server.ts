/**
 * The server the event-stream benchmark connects its clients to, as its own process: the HTTP
 * API on an Engine whose runtime is the instant stub (the deploys cost nothing but the
 * engine's own work), on SQLite in BENCH_EVENTS_DIR, with ENVIRONMENTS × SERVICES container
 * services. Prints one JSON line `{ "environmentIds": [...] }` once it listens. On SIGUSR2 it
 * writes the time (performance.timeOrigin + performance.now(), ms) at which each event was
 * published and the event (its type and JSON), in order, and the CPU time it spent since it
 * listened, to `<dir>/published.json`: every client receives the same events in the same
 * order, so the n-th event a client reads was published at the n-th time.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { buildServer } from '../../src/api/server.js';
import { Engine } from '../../src/engine/engine.js';
import type { SlipwayEvent } from '../../src/engine/events.js';
import { createStore } from '../../src/store/create-store.js';
import { InstantRuntime } from './instant-runtime.js';

const dir = process.env.BENCH_EVENTS_DIR!;
const environments = Number(process.env.BENCH_EVENTS_ENVIRONMENTS ?? 100);
const services = Number(process.env.BENCH_EVENTS_SERVICES ?? 10);

const store = await createStore({ dataDir: dir, secretKey: 'bench-events-key' });
const project = await store.createProject({ name: 'bench-events' });
const environmentIds: string[] = [];
for (let e = 0; e < environments; e++) {
  const environment = await store.createEnvironment({ projectId: project.id, name: `env-${e}`, runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  environmentIds.push(environment.id);
  for (let s = 0; s < services; s++) {
    await store.createService({
      environmentId: environment.id,
      name: `svc-${s}`,
      type: 'container',
      source: { image: { name: 'registry.example/team/app', tag: 'v1' } },
      settings: DEFAULT_SERVICE_SETTINGS,
    });
  }
}
const engine = new Engine(store, { docker: new InstantRuntime() }, pino({ level: 'silent' }));
await engine.start();
const published: number[] = [];
const events: SlipwayEvent[] = [];
engine.events.subscribe((event) => {
  published.push(performance.timeOrigin + performance.now());
  events.push(event);
});
const server = await buildServer({ store, controlPlane: engine, listImageTags: async () => [], logger: false, bootstrapToken: process.env.BENCH_EVENTS_TOKEN!, consoleDir: false });
await server.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_EVENTS_PORT) });
// The CPU the server spends from here on: serving the clients and the deploys, not the seeding.
const cpuAtListen = process.cpuUsage();
process.on('SIGUSR2', () => {
  // Written whole, then renamed: the benchmark never reads half a file.
  writeFileSync(join(dir, 'published.json.part'), JSON.stringify({ published, events: events.map((e) => [e.type, JSON.stringify(e)]), cpu: process.cpuUsage(cpuAtListen) }));
  renameSync(join(dir, 'published.json.part'), join(dir, 'published.json'));
});
process.on('SIGTERM', () => {
  void server
    .close()
    .then(() => engine.close())
    .then(() => store.close())
    .finally(() => process.exit(0));
});
process.stdout.write(`${JSON.stringify({ environmentIds })}\n`);
