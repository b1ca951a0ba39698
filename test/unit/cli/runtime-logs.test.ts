import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuntimeLogPrinter } from '../../../src/cli/runtime-logs.js';
import type { Out } from '../../../src/cli/output.js';

/** `slipway logs`: the API's NDJSON printed as lines, whatever the chunks. */

function capture(color: boolean): { out: Out; lines: string[] } {
  const lines: string[] = [];
  return { out: { color, line: (text = '') => void lines.push(text), error: () => undefined }, lines };
}

const a = JSON.stringify({ ts: '2026-11-30T22:00:01.123Z', instance: 'web-1', stream: 'stdout', line: 'GET / 200' });
const b = JSON.stringify({ ts: '2026-11-30T22:00:01.456Z', instance: 'web-2', stream: 'stderr', line: 'oops' });
const bytes = (text: string) => new TextEncoder().encode(text);

test('a line split across chunks is printed once, whole: time, instance, text', () => {
  const { out, lines } = capture(false);
  const printer = new RuntimeLogPrinter(out, false);
  const all = `${a}\n${b}\n`;
  printer.write(bytes(all.slice(0, 20)));
  printer.write(bytes(all.slice(20, 90)));
  printer.write(bytes(all.slice(90)));
  printer.end();
  assert.deepEqual(lines, ['22:00:01.123 web-1 GET / 200', '22:00:01.456 web-2 oops']);
});

test('--json passes the NDJSON lines through as they came; a last line without newline is kept', () => {
  const { out, lines } = capture(false);
  const printer = new RuntimeLogPrinter(out, true);
  printer.write(bytes(`${a}\n${b}`));
  printer.end();
  assert.deepEqual(lines, [a, b]);
});

test('on a terminal stderr lines are red; never a control character without colour', () => {
  const colour = capture(true);
  const printer = new RuntimeLogPrinter(colour.out, false);
  printer.write(bytes(`${b}\n`));
  assert.match(colour.lines[0]!, /\u001b\[31moops/);
  const plain = capture(false);
  new RuntimeLogPrinter(plain.out, false).write(bytes(`${b}\n`));
  assert.doesNotMatch(plain.lines[0]!, /\u001b/);
});
