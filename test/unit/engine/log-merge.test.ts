import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogMerge } from '../../../src/engine/observe/log-merge.js';
import type { InstanceLogLine, LogSource } from '../../../src/runtime/runtime.js';

function line(instance: string, second: number, text = `${instance}@${second}`): InstanceLogLine {
  return { ts: `2024-05-01T10:00:${String(second).padStart(2, '0')}.000000000Z`, instance, stream: 'stdout', line: text };
}

function source(instance: string, seconds: number[], delayMs = 0): LogSource {
  return {
    instance,
    lines: (async function* () {
      for (const s of seconds) {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        yield line(instance, s);
      }
    })(),
  };
}

async function collect(lines: AsyncIterable<InstanceLogLine>, max = Number.POSITIVE_INFINITY): Promise<InstanceLogLine[]> {
  const out: InstanceLogLine[] = [];
  for await (const l of lines) {
    out.push(l);
    if (out.length >= max) break;
  }
  return out;
}

test('kept lines of several instances come out in time order, whichever instance answers first', async () => {
  const merged = new LogMerge([source('a', [1, 4, 5], 5), source('b', [2, 3, 6]), source('c', [])], { graceMs: Number.POSITIVE_INFINITY, bufferPerSource: 2 });
  assert.deepEqual((await collect(merged)).map((l) => l.line), ['a@1', 'b@2', 'b@3', 'a@4', 'a@5', 'b@6']);
});

test('following: a silent instance holds the others\' lines only for the grace period', async () => {
  const silent: LogSource = { instance: 's', lines: { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<InstanceLogLine>>(() => undefined) }) } };
  const merged = new LogMerge([silent, source('a', [1, 2])], { graceMs: 20, bufferPerSource: 4 });
  assert.deepEqual((await collect(merged, 2)).map((l) => l.line), ['a@1', 'a@2']);
});

test('a consumer that does not pull stops the reading: a source is read no more than bufferPerSource lines ahead', async () => {
  let produced = 0;
  const endless: LogSource = {
    instance: 'loud',
    lines: (async function* () {
      for (let i = 0; ; i++) {
        produced++;
        yield line('loud', i % 60);
      }
    })(),
  };
  const merged = new LogMerge([endless], { graceMs: 0, bufferPerSource: 50 });
  const iterator = merged[Symbol.asyncIterator]();
  await iterator.next();
  // Give the pump every chance to run ahead.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.ok(produced <= 52, `read ${produced} lines ahead of a consumer that took one`);
  await iterator.return?.(undefined);
});

test('a source that fails ends alone; the others go on', async () => {
  const failing: LogSource = {
    instance: 'x',
    lines: (async function* () {
      yield line('x', 1);
      throw new Error('container removed');
    })(),
  };
  const merged = new LogMerge([failing, source('a', [2, 3])], { graceMs: Number.POSITIVE_INFINITY, bufferPerSource: 4 });
  assert.deepEqual((await collect(merged)).map((l) => l.line), ['x@1', 'a@2', 'a@3']);
});
