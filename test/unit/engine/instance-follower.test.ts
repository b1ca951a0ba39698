import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstanceFollower } from '../../../src/engine/observe/instance-follower.js';
import { LogMerge } from '../../../src/engine/observe/log-merge.js';
import type { InstanceDetail, InstanceLogLine, LogQuery, ServiceTarget } from '../../../src/runtime/runtime.js';

const ts = (second: number): string => `2024-05-01T10:00:${String(second).padStart(2, '0')}.000000000Z`;
const line = (instance: string, second: number): InstanceLogLine => ({ ts: ts(second), instance, stream: 'stdout', line: `${instance}@${second}` });

async function* lines(instance: string, seconds: number[]): AsyncGenerator<InstanceLogLine> {
  for (const s of seconds) yield line(instance, s);
}

function detail(id: string): InstanceDetail {
  return { id, name: id, version: 'v1', ready: true, state: 'RUNNING', restarts: 0, exitCode: null, oomKilled: false, startedAt: null, node: null };
}

const target: ServiceTarget = { projectId: 'p', projectName: 'shop', environmentId: 'e', environmentName: 'prod', serviceId: 's', serviceName: 'web', serviceType: 'container' };

test('a follow of the whole service takes in instances that start later, and an instance restarted in place once per line', async () => {
  let running = [detail('a')];
  const opened: LogQuery[] = [];
  // What each instance has printed so far; a reopened stream gives it again from its start.
  const printed: Record<string, number[]> = { a: [1, 2], b: [5, 6] };
  const runtime = {
    instances: async () => running,
    logSources: async (_t: ServiceTarget, query: LogQuery) => {
      opened.push(query);
      return [{ instance: query.instance!, lines: lines(query.instance!, printed[query.instance!]!) }];
    },
  };
  const controller = new AbortController();
  const merge = new LogMerge([], { graceMs: 0, bufferPerSource: 8, openEnded: true });
  const follower = new InstanceFollower(runtime, target, merge, controller.signal, ts(0));
  follower.start([{ instance: 'a', lines: lines('a', [1, 2]) }], 60_000);

  const got: string[] = [];
  const iterator = merge[Symbol.asyncIterator]();
  const take = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) got.push((await iterator.next()).value!.line);
  };
  await take(2);
  // b started (a rollout); a's stream ended with its exit and it runs again with two new lines.
  running = [detail('a'), detail('b')];
  printed.a = [1, 2, 3, 4];
  await new Promise((r) => setTimeout(r, 10));
  await follower.poll();
  await take(4);
  assert.deepEqual([...got].sort(), ['a@1', 'a@2', 'a@3', 'a@4', 'b@5', 'b@6'], 'every line once: a@1 and a@2 not given again');
  assert.deepEqual(
    opened.map((q) => [q.instance, q.since]),
    [
      ['a', ts(2)],
      ['b', ts(0)],
    ],
    'a reopened after its last line, b read from when the follow began',
  );
  // The merge stays open with every source ended, until the reader goes away.
  const pending = iterator.next();
  const raced = await Promise.race([pending.then(() => 'line'), new Promise((r) => setTimeout(() => r('waiting'), 30))]);
  assert.equal(raced, 'waiting');
  controller.abort();
  merge.stop();
  assert.equal((await pending).done, true);
});

test('an instance whose stream is open is not opened again, and nothing is opened after the reader left', async () => {
  const opened: string[] = [];
  const never: AsyncIterable<InstanceLogLine> = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<InstanceLogLine>>(() => undefined) }) };
  const runtime = {
    instances: async () => [detail('a'), { ...detail('c'), state: 'EXITED' as const }],
    logSources: async (_t: ServiceTarget, query: LogQuery) => {
      opened.push(query.instance!);
      return [{ instance: query.instance!, lines: never }];
    },
  };
  const controller = new AbortController();
  const merge = new LogMerge([], { graceMs: 0, bufferPerSource: 8, openEnded: true });
  const follower = new InstanceFollower(runtime, target, merge, controller.signal, ts(0));
  follower.start([{ instance: 'a', lines: never }], 60_000);
  await follower.poll();
  assert.deepEqual(opened, [], 'a is followed already; c does not run');
  controller.abort();
  await follower.poll();
  assert.deepEqual(opened, []);
  merge.stop();
});
