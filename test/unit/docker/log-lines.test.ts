import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceLogLine } from '../../../src/runtime/runtime.js';
import { inTimeOrder, MAX_LINE_CHARS, timestampedLines, type OutputChunk } from '../../../src/runtime/log-lines.js';

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

function at(ts: string, stream: 'stdout' | 'stderr' = 'stdout'): InstanceLogLine {
  // As normalized: nine digits of fraction, so the text orders as the time does.
  const [seconds, fraction = ''] = ts.split('.');
  return { ts: `2024-05-01T10:00:${seconds!.padStart(2, '0')}.${fraction.padEnd(9, '0')}Z`, instance: 'c1', stream, line: ts };
}

async function ordered(input: InstanceLogLine[], window: number): Promise<string[]> {
  const out: string[] = [];
  for await (const l of inTimeOrder((async function* () { yield* input; })(), { window })) out.push(l.line);
  return out;
}

test('inTimeOrder: a stderr line stored after a later stdout line comes back first', async () => {
  // As Docker stores them: its two copiers wrote 00.3 (stdout) before 00.2 (stderr).
  const input = [at('00.1'), at('00.3'), at('00.2', 'stderr'), at('00.4'), at('00.35', 'stderr'), at('00.5')];
  assert.deepEqual(await ordered(input, 4), ['00.1', '00.2', '00.3', '00.35', '00.4', '00.5']);
  // Equal times keep their stored order.
  assert.deepEqual(await ordered([at('01.0'), { ...at('01.0', 'stderr'), line: 'b' }], 4), ['01.0', 'b']);
});

test('inTimeOrder: holds no more than its window (memory stays bounded)', async () => {
  let read = 0;
  let given = 0;
  async function* many() {
    for (let i = 0; i < 1000; i++) {
      read++;
      assert.ok(read - given <= 6, `read ${read}, given ${given}`);
      yield at((10 + i / 1000).toFixed(3));
    }
  }
  for await (const _ of inTimeOrder(many(), { window: 4 })) given++;
  assert.equal(given, 1000);
});

test('inTimeOrder: followed, a held line leaves once the source is quiet', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  async function* quietAfterOne() {
    yield at('00.1');
    await gate;
  }
  const iterator = inTimeOrder(quietAfterOne(), { window: 8, holdMs: 20 })[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  assert.equal(first.value?.line, '00.1');
  release();
  assert.equal((await iterator.next()).done, true);
});
