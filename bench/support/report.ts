/**
 * What every benchmark hands back, how the runner prints it, and the JSON it writes to
 * bench/results/latest.json. A verdict compares one figure with its target; rows that only
 * add context (a breakdown, a second variant) carry the verdict 'info'.
 */

export type Verdict = 'met' | 'missed' | 'info';

export interface Row {
  what: string;
  /** The figure as printed, e.g. "412 ms (runs: 398, 412, 430)". */
  measured: string;
  /** The target as printed, e.g. "< 1000 ms"; '' for context rows. */
  target: string;
  verdict: Verdict;
  /** The figure alone, for machines (same unit as the target). */
  value?: number;
  unit?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  rows: Row[];
  /** How it was measured, and what the figures mean. */
  notes: string[];
  durationMs: number;
  /** The machine's 1-minute load average when the benchmark started (others' work skews figures). */
  loadAverage?: number;
  /** Set when the benchmark broke (not when a figure missed its target). */
  error?: string;
}

export function verdict(ok: boolean): Verdict {
  return ok ? 'met' : 'missed';
}

export function ms(value: number): string {
  if (value >= 100) return `${Math.round(value)} ms`;
  return value >= 1 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`;
}

export function printTable(result: BenchResult): string {
  const header: Row = { what: 'what', measured: 'measured', target: 'target', verdict: 'info' };
  const rows = result.rows;
  const widths = {
    what: Math.max(header.what.length, ...rows.map((r) => r.what.length)),
    measured: Math.max(header.measured.length, ...rows.map((r) => r.measured.length)),
    target: Math.max(header.target.length, ...rows.map((r) => r.target.length)),
  };
  const line = (what: string, measured: string, target: string, v: string): string =>
    `| ${what.padEnd(widths.what)} | ${measured.padEnd(widths.measured)} | ${target.padEnd(widths.target)} | ${v.padEnd(7)} |`;
  const rule = `|${'-'.repeat(widths.what + 2)}|${'-'.repeat(widths.measured + 2)}|${'-'.repeat(widths.target + 2)}|---------|`;
  const out = [
    `## ${result.title} (${result.name}, ${(result.durationMs / 1000).toFixed(1)} s${result.loadAverage === undefined ? '' : `, load average ${result.loadAverage.toFixed(1)} at start`})`,
    '',
    line('what', 'measured', 'target', 'verdict'),
    rule,
    ...rows.map((r) => line(r.what, r.measured, r.target, r.verdict === 'info' ? '' : r.verdict)),
  ];
  if (result.error) out.push('', `BROKEN: ${result.error}`);
  if (result.notes.length > 0) out.push('', ...result.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
