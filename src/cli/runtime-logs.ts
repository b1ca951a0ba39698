import { paint, type Out } from './output.js';

/** One line of `GET /services/{id}/logs` (NDJSON), as the API sends it. */
interface RuntimeLogLine {
  ts: string;
  instance: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/**
 * Splits an NDJSON stream into lines as chunks come (a chunk may end mid-line) and prints
 * each as `time instance line` (stderr lines in red on a terminal), or as it came with --json.
 */
export class RuntimeLogPrinter {
  private rest = '';
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly out: Out,
    private readonly json: boolean,
  ) {}

  write(chunk: Uint8Array): void {
    const lines = (this.rest + this.decoder.decode(chunk, { stream: true })).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.print(line);
  }

  end(): void {
    this.print(this.rest + this.decoder.decode());
    this.rest = '';
  }

  private print(text: string): void {
    if (text.trim() === '') return;
    if (this.json) return this.out.line(text);
    const line = JSON.parse(text) as RuntimeLogLine;
    const body = line.stream === 'stderr' ? paint(this.out, 'red', line.line) : line.line;
    this.out.line(`${line.ts.slice(11, 23)} ${paint(this.out, 'gray', line.instance)} ${body}`);
  }
}
