import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { openEventStream } from '../../../src/api/sse.js';

/** A hijackable reply and its request, recording every write to the socket. */
function fakeStream() {
  const writes: string[] = [];
  const raw = Object.assign(new EventEmitter(), {
    writeHead: () => undefined,
    write: (chunk: string) => writes.push(chunk),
    end: () => writes.push('<end>'),
  });
  const reply = { hijack: () => undefined, raw } as unknown as FastifyReply;
  const request = { raw: new EventEmitter(), log: { error: () => undefined } } as unknown as FastifyRequest;
  return { writes, stream: openEventStream(request, reply) };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('the events sent in one turn go out in one write, in order; close sends what waits first', async () => {
  const { writes, stream } = fakeStream();
  assert.deepEqual(writes, [': connected\n\n']);
  stream.send('service.status', { n: 1 });
  stream.send('service.status', { n: 2 });
  stream.comment('heartbeat');
  assert.equal(writes.length, 1, 'nothing written before the turn ends');
  await nextTurn();
  assert.deepEqual(writes.slice(1), ['event: service.status\ndata: {"n":1}\n\nevent: service.status\ndata: {"n":2}\n\n: heartbeat\n\n']);
  stream.send('end', { status: 'SUCCESS' }, 7);
  stream.close();
  assert.deepEqual(writes.slice(2), ['event: end\nid: 7\ndata: {"status":"SUCCESS"}\n\n', '<end>']);
  await nextTurn();
  assert.equal(writes.length, 4, 'nothing after the end');
});

test('one event sent to many streams is serialized once and reads the same everywhere', async () => {
  const event = { type: 'service.status', status: 'DEPLOYED' };
  let stringified = 0;
  const toJSON = (): object => {
    stringified++;
    return { type: event.type, status: event.status };
  };
  const shared = Object.assign(event, { toJSON });
  const streams = [fakeStream(), fakeStream(), fakeStream()];
  for (const { stream } of streams) stream.send('service.status', shared);
  await nextTurn();
  assert.equal(stringified, 1);
  for (const { writes } of streams) assert.equal(writes[1], 'event: service.status\ndata: {"type":"service.status","status":"DEPLOYED"}\n\n');
});
