/**
 * `npm run bench` runs every benchmark; `npm run bench -- engine|rollout|api|edge|build|observe|events|kubernetes|environments` (one or
 * more) runs those. Each prints a table (what, measured, target, verdict); all of them are
 * written to bench/results/latest.json. Figures never fail the run: the exit code is 1 only
 * when a benchmark broke (threw), 2 on a bad argument.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiLoad } from './api-load.js';
import { buildBench } from './build.js';
import { edgeBench } from './edge.js';
import { engineOverhead } from './engine-overhead.js';
import { eventStreamBench } from './event-stream.js';
import { kubernetesScale } from './kubernetes-scale.js';
import { manyEnvironmentsBench } from './many-environments.js';
import { observeBench } from './observe.js';
import { rolloutVsDocker } from './rollout.js';
import { printTable, type BenchResult } from './support/report.js';

type Section = () => Promise<Omit<BenchResult, 'durationMs'>>;

const SECTIONS: Record<string, { title: string; run: Section }> = {
  engine: { title: 'Engine overhead', run: engineOverhead },
  rollout: { title: 'Rollout against the raw engine', run: rolloutVsDocker },
  api: { title: 'API under load', run: apiLoad },
  edge: { title: 'The edge under load', run: edgeBench },
  build: { title: 'Commit to serving (git build)', run: buildBench },
  observe: { title: 'Observing what runs', run: observeBench },
  events: { title: 'Event stream fan-out', run: eventStreamBench },
  kubernetes: { title: 'Kubernetes at scale (KWOK)', run: kubernetesScale },
  environments: { title: 'Many environments at once', run: manyEnvironmentsBench },
};

const asked = process.argv.slice(2).filter((a) => a !== '--');
const unknown = asked.filter((a) => !(a in SECTIONS));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(SECTIONS).join(', ')}\n`);
  process.exit(2);
}
const names = asked.length > 0 ? asked : Object.keys(SECTIONS);

const results: BenchResult[] = [];
for (const name of names) {
  const section = SECTIONS[name]!;
  process.stdout.write(`\nrunning ${name} (${section.title})…\n`);
  const start = performance.now();
  const loadAverage = loadavg()[0]!;
  let result: BenchResult;
  try {
    result = { ...(await section.run()), durationMs: performance.now() - start, loadAverage };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    result = { name, title: section.title, rows: [], notes: [], durationMs: performance.now() - start, loadAverage, error: message };
  }
  results.push(result);
  process.stdout.write(`\n${printTable(result)}\n`);
}

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      finishedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryMb: Math.round(totalmem() / 2 ** 20), node: process.version },
      benchmarks: results,
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`\nwritten to ${out}\n`);
process.exitCode = results.some((r) => r.error) ? 1 : 0;
