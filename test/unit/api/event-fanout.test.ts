import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventFanout, MAX_BATCH_WAIT_MS, audienceOf } from '../../../src/api/event-fanout.js';
import type { EventStream, SharedFrames } from '../../../src/api/sse.js';
import { EventBus, type SlipwayEvent } from '../../../src/engine/events.js';
import type { Token } from '../../../src/store/store.js';

/** A stream that records the shared batches written to it. */
function recordingStream() {
  const batches: SharedFrames[] = [];
  const closeListeners: Array<() => void> = [];
  let closed = false;
  const stream: EventStream = {
    get closed() {
      return closed;
    },
    send: () => assert.fail('the fan-out writes shared batches only'),
    sendShared: (frames) => void batches.push(frames),
    comment: () => undefined,
    close: () => {
      closed = true;
      for (const l of closeListeners.splice(0)) l();
    },
    onClose: (l) => void closeListeners.push(l),
  };
  const text = (): string => batches.map((b) => b.payload.toString('utf8')).join('');
  return { stream, batches, text };
}

const token = (projects: string[] | null): Token => ({ id: `t-${projects?.join('-') ?? 'all'}`, projects }) as unknown as Token;
const event = (projectId: string, n: number): SlipwayEvent => ({ type: 'deployment.log', projectId, environmentId: `e-${projectId}`, deploymentId: `d${n}` });
const frame = (e: SlipwayEvent): string => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('streams of one audience share one buffer per batch; a project-limited token never gets other projects', async () => {
  const bus = new EventBus();
  const fanout = new EventFanout(bus);
  const admin1 = recordingStream();
  const admin2 = recordingStream();
  const limited = recordingStream();
  fanout.add(admin1.stream, audienceOf(token(null), {}));
  fanout.add(admin2.stream, audienceOf(token(null), {}));
  fanout.add(limited.stream, audienceOf(token(['p1']), {}));
  const events = [event('p1', 1), event('p2', 2), event('p1', 3)];
  for (const e of events) bus.publish(e);
  assert.equal(admin1.batches.length, 0, 'nothing written before the turn ends');
  await nextTurn();

  assert.equal(admin1.batches.length, 1, 'one write per stream for the batch');
  assert.equal(admin1.batches[0], admin2.batches[0], 'the same bytes, made once');
  assert.equal(admin1.text(), events.map(frame).join(''));
  assert.notEqual(limited.batches[0], admin1.batches[0]);
  assert.equal(limited.text(), frame(events[0]!) + frame(events[2]!));
  fanout.close();
});

test('filters and project lists make audiences: same visibility, same key; another, another key', () => {
  assert.equal(audienceOf(token(['a', 'b']), {}).key, audienceOf(token(['b', 'a']), {}).key);
  const keys = new Set([
    audienceOf(token(null), {}).key,
    audienceOf(token(['a']), {}).key,
    audienceOf(token(null), { projectId: 'a' }).key,
    audienceOf(token(null), { environmentId: 'e-a' }).key,
  ]);
  assert.equal(keys.size, 4);
  const byEnvironment = audienceOf(token(null), { environmentId: 'e-a' });
  assert.equal(byEnvironment.hears(event('a', 1)), true);
  assert.equal(byEnvironment.hears(event('b', 1)), false);
});

test('a batch older than the bound is written at the next publish, without waiting for the turn to end', async () => {
  const bus = new EventBus();
  let clock = 0;
  const fanout = new EventFanout(bus, () => clock);
  const client = recordingStream();
  fanout.add(client.stream, audienceOf(null, {}));
  bus.publish(event('p', 1));
  clock += MAX_BATCH_WAIT_MS - 1;
  bus.publish(event('p', 2));
  assert.equal(client.batches.length, 0, 'young batches wait for the turn to end');
  clock += 1;
  bus.publish(event('p', 3));
  assert.equal(client.batches.length, 1, 'written at once, in the same turn');
  assert.equal(client.text(), [1, 2, 3].map((n) => frame(event('p', n))).join(''));
  bus.publish(event('p', 4));
  await nextTurn();
  assert.equal(client.batches.length, 2, 'what came after goes out at the end of the turn');
  assert.equal(client.batches[1]!.payload.toString('utf8'), frame(event('p', 4)));
  fanout.close();
});

test('a closed stream leaves its audience; the last one unsubscribes from the bus', async () => {
  const bus = new EventBus();
  let unsubscribed = 0;
  const subscribe = bus.subscribe.bind(bus);
  bus.subscribe = (listener) => {
    const unsubscribe = subscribe(listener);
    return () => {
      unsubscribed++;
      unsubscribe();
    };
  };
  const fanout = new EventFanout(bus);
  const a = recordingStream();
  const b = recordingStream();
  fanout.add(a.stream, audienceOf(null, {}));
  fanout.add(b.stream, audienceOf(null, {}));
  a.stream.close();
  bus.publish(event('p', 1));
  await nextTurn();
  assert.equal(a.batches.length, 0);
  assert.equal(b.batches.length, 1);
  assert.equal(unsubscribed, 0, 'still one stream');
  b.stream.close();
  assert.equal(fanout.size, 0);
  assert.equal(unsubscribed, 1);
  bus.publish(event('p', 2));
  await nextTurn();
  assert.equal(b.batches.length, 1, 'nothing for a closed stream');
});

test('after a batch that took more CPU time to write than the bound, the next one waits that long instead', () => {
  const bus = new EventBus();
  let clock = 0;
  let cpu = 0;
  const client = recordingStream();
  // Writing a batch costs 50 ms of CPU time here (as 1,000s of clients would).
  client.stream.sendShared = (frames) => {
    cpu += 50;
    client.batches.push(frames);
  };
  const fanout = new EventFanout(bus, () => clock, () => cpu);
  fanout.add(client.stream, audienceOf(null, {}));
  bus.publish(event('p', 1));
  clock += MAX_BATCH_WAIT_MS;
  bus.publish(event('p', 2));
  assert.equal(client.batches.length, 1, 'the first batch at the bound');
  bus.publish(event('p', 3));
  clock += MAX_BATCH_WAIT_MS;
  bus.publish(event('p', 4));
  assert.equal(client.batches.length, 1, 'the next waits as long as the last took');
  clock += 50 - MAX_BATCH_WAIT_MS;
  bus.publish(event('p', 5));
  assert.equal(client.batches.length, 2);
  fanout.close();
});
