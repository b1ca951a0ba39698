/**
 * Human output: aligned tables, relative times, status colours only on a terminal and never
 * when NO_COLOR is set (no control character reaches a pipe or a CI log).
 */

export interface Out {
  /** Colours and cursor tricks allowed: stdout is a terminal and NO_COLOR is unset. */
  color: boolean;
  line(text?: string): void;
  error(text: string): void;
}

export function makeOut(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Out {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    color: Boolean(stream.isTTY) && !noColor && env.TERM !== 'dumb',
    line: (text = '') => void stream.write(`${text}\n`),
    error: (text) => void process.stderr.write(`${text}\n`),
  };
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(out: Pick<Out, 'color'>, colour: Colour, text: string): string {
  return out.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/** The colour of a deployment or running status word. */
export function statusColour(status: string): Colour {
  if (/ERROR|CANCELED|SKIPPED|UNKNOWN/.test(status)) return 'red';
  if (['DEPLOYED', 'RESTARTED', 'SUCCESS', 'RUNNING', 'COMPLETED'].includes(status)) return 'green';
  if (['STOPPED', 'DELETED', 'READY'].includes(status)) return 'gray';
  // Everything in progress: *QUEUED, *ING, WARNING, STARTING.
  return 'yellow';
}

export function status(out: Pick<Out, 'color'>, value: string | null | undefined): string {
  if (!value) return '-';
  return paint(out, statusColour(value), value);
}

// eslint-disable-next-line no-control-regex -- stripping our own colour codes
const ANSI = /\u001b\[[0-9;]*m/g;

function width(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** Columns aligned on the longest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  return all.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd(),
  );
}

/** "3m ago", "2h ago", "5d ago": what a person reads in a list. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '-';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 0) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

/** 850ms, 12.3s, 4m05s. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

export function printJson(out: Out, value: unknown): void {
  out.line(JSON.stringify(value, null, 2));
}
