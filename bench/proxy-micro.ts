/**
 * The existing edge-proxy micro-benchmark (bench/edge-proxy.ts, unchanged), run as a child
 * process and its lines turned into a table. Its figure with a target is the last phase:
 * requests through the proxy while all 3 backends are replaced must see no error.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchResult, Row } from './support/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const LINE = /^(.+?)\s+(\d+) req\/s\s+p50 ([\d.]+) ms\s+p99 ([\d.]+) ms\s+total (\d+)\s+errors (\d+)\s+non-2xx (\d+)\s+timeouts (\d+)/;

export async function proxyMicro(): Promise<Omit<BenchResult, 'durationMs'>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(here, 'edge-proxy.ts')], {
    cwd: join(here, '..'),
    timeout: 120_000,
  });
  const rows: Row[] = [];
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const [, label, rps, p50, p99, total, errors, non2xx, timeouts] = m;
    const failures = Number(errors) + Number(non2xx) + Number(timeouts);
    const replacing = label!.includes('replacing');
    rows.push({
      what: label!.trim(),
      measured: `${rps} req/s, p50 ${p50} ms, p99 ${p99} ms, ${total} requests, ${errors} errors, ${non2xx} non-2xx, ${timeouts} timeouts`,
      target: replacing ? '0 failed requests' : '',
      verdict: replacing ? (failures === 0 ? 'met' : 'missed') : 'info',
      value: replacing ? failures : Number(rps),
      unit: replacing ? 'failed requests' : 'req/s',
    });
  }
  if (rows.length !== 3) throw new Error(`bench/edge-proxy.ts printed ${rows.length} result lines, expected 3:\n${stdout}`);
  return {
    name: 'proxy',
    title: 'Edge proxy micro-benchmark',
    rows,
    notes: ['bench/edge-proxy.ts on 127.0.0.1 (autocannon, 16 connections, 4 s per phase; BENCH_DURATION_S / BENCH_CONNECTIONS change them): in-process Node backends, no containers.'],
  };
}
