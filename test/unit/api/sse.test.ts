import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_UNSENT_BYTES, SharedFrames, openEventStream } from '../../../src/api/sse.js';

/**
 * A hijackable reply and its request, recording every write to the response (as text) and,
 * when `chunked`, to its socket (as bytes).
 */
function fakeStream({ chunked = false } = {}) {
  const writes: string[] = [];
  const socketWrites: Buffer[] = [];
  const raw = Object.assign(new EventEmitter(), {
    writeHead: () => undefined,
    write: (chunk: string | Buffer) => writes.push(chunk.toString()),
    end: () => writes.push('<end>'),
    destroy: () => writes.push('<destroyed>'),
    writableLength: 0,
    chunkedEncoding: chunked,
    headersSent: true,
    socket: chunked ? { destroyed: false, write: (chunk: Buffer) => socketWrites.push(chunk) } : null,
  });
  const reply = { hijack: () => undefined, raw } as unknown as FastifyReply;
  const request = { raw: new EventEmitter(), log: { error: () => undefined, warn: () => undefined } } as unknown as FastifyRequest;
  return { writes, socketWrites, raw, stream: openEventStream(request, reply) };
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

test('shared frames are one HTTP/1.1 chunk on a chunked response, the bare frames otherwise; what waits goes first', () => {
  const frames = new SharedFrames('event: a\ndata: {"é":1}\n\n');
  assert.equal(frames.chunk.toString('utf8'), '19\r\nevent: a\ndata: {"é":1}\n\n\r\n', 'the size counts bytes, in hex');
  assert.equal(frames.payload.toString('utf8'), 'event: a\ndata: {"é":1}\n\n');

  const chunked = fakeStream({ chunked: true });
  chunked.stream.comment('before');
  chunked.stream.sendShared(frames);
  assert.deepEqual(chunked.writes, [': connected\n\n', ': before\n\n'], 'the waiting comment is written first, through the response');
  assert.deepEqual(chunked.socketWrites, [frames.chunk]);

  const plain = fakeStream();
  plain.stream.sendShared(frames);
  assert.deepEqual(plain.writes, [': connected\n\n', 'event: a\ndata: {"é":1}\n\n']);
});

test('a stream whose client lets more than MAX_UNSENT_BYTES pile up is cut, and says it is closed', () => {
  const { raw, writes, stream } = fakeStream({ chunked: true });
  let closed = 0;
  stream.onClose(() => closed++);
  raw.writableLength = MAX_UNSENT_BYTES;
  stream.sendShared(new SharedFrames('event: a\ndata: {}\n\n'));
  assert.equal(stream.closed, false, 'at the bound, still open');
  raw.writableLength = MAX_UNSENT_BYTES + 1;
  stream.sendShared(new SharedFrames('event: a\ndata: {}\n\n'));
  assert.equal(stream.closed, true);
  assert.equal(closed, 1);
  assert.equal(writes.at(-1), '<destroyed>');
});

test('frames a stream sends itself are not cut for a backlog (a log follower catching up writes it in one go)', async () => {
  const { raw, writes, stream } = fakeStream({ chunked: true });
  raw.writableLength = MAX_UNSENT_BYTES * 10;
  stream.send('log', { line: 1 }, 1);
  await nextTurn();
  assert.equal(stream.closed, false);
  assert.deepEqual(writes.slice(1), ['event: log\nid: 1\ndata: {"line":1}\n\n']);
});
