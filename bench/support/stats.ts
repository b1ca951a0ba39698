/** Small statistics for a handful of runs. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** "398, 412, 430" in whole milliseconds (or one decimal under 10 ms). */
export function runsList(values: readonly number[]): string {
  return values.map((v) => (v < 10 ? v.toFixed(1) : String(Math.round(v)))).join(', ');
}

export function elapsedMs(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e6;
}
