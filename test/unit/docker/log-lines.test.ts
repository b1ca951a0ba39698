import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LINE_CHARS, timestampedLines, type OutputChunk } from '../../../src/runtime/log-lines.js';

async function lines(chunks: OutputChunk[]) {
  const out = [];
  for await (const l of timestampedLines((async function* () { yield* chunks; })(), 'c1')) out.push(l);
  return out;
}

test('lines split across chunks and streams keep their timestamp, stream and whole characters', async () => {
  const euro = Buffer.from('€');
  const out = await lines([
    { stream: 'stdout', data: Buffer.from('2024-05-01T10:00:00.1Z hel') },
    { stream: 'stderr', data: Buffer.from('2024-05-01T10:00:00.2Z oops\n') },
    { stream: 'stdout', data: Buffer.concat([Buffer.from('lo '), euro.subarray(0, 1)]) },
    { stream: 'stdout', data: Buffer.concat([euro.subarray(1), Buffer.from('\n2024-05-01T10:00:01Z last')]) },
  ]);
  assert.deepEqual(out, [
    { ts: '2024-05-01T10:00:00.200000000Z', instance: 'c1', stream: 'stderr', line: 'oops' },
    { ts: '2024-05-01T10:00:00.100000000Z', instance: 'c1', stream: 'stdout', line: 'hello €' },
    { ts: '2024-05-01T10:00:01.000000000Z', instance: 'c1', stream: 'stdout', line: 'last' },
  ]);
});

test('a line without end is cut at MAX_LINE_CHARS, the rest keeps the first part\'s time', async () => {
  const out = await lines([{ stream: 'stdout', data: Buffer.from(`2024-05-01T10:00:00Z ${'x'.repeat(MAX_LINE_CHARS + 10)}`) }]);
  assert.equal(out.length, 2);
  assert.equal(out[1]!.ts, out[0]!.ts);
  assert.equal(out[0]!.line.length + out[1]!.line.length, MAX_LINE_CHARS + 10);
});
