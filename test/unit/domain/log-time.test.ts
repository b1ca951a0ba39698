import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeLogTime, parseSince } from '../../../src/domain/log-time.js';

test('runtime timestamps become fixed-width UTC, so they sort as text', () => {
  assert.equal(normalizeLogTime('2024-05-01T10:00:00.5Z'), '2024-05-01T10:00:00.500000000Z');
  assert.equal(normalizeLogTime('2024-05-01T10:00:00Z'), '2024-05-01T10:00:00.000000000Z');
  assert.equal(normalizeLogTime('2024-05-01T10:00:00.123456789Z'), '2024-05-01T10:00:00.123456789Z');
  assert.equal(normalizeLogTime('2024-05-01T12:00:00.123456789+02:00'), '2024-05-01T10:00:00.123456789Z');
  assert.equal(normalizeLogTime('tick'), null);
  const texts = ['2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.45Z', '2024-05-01T10:00:00.123Z'].map((t) => normalizeLogTime(t)!);
  assert.deepEqual([...texts].sort(), [texts[2], texts[1], texts[0]]);
});

test('since: an ISO time or a duration back from now; anything else is refused', () => {
  const now = new Date('2024-05-01T10:00:00Z');
  assert.equal(parseSince('90s', now)?.toISOString(), '2024-05-01T09:58:30.000Z');
  assert.equal(parseSince('2h', now)?.toISOString(), '2024-05-01T08:00:00.000Z');
  assert.equal(parseSince('1d', now)?.toISOString(), '2024-04-30T10:00:00.000Z');
  assert.equal(parseSince('2024-05-01T09:00:00Z', now)?.toISOString(), '2024-05-01T09:00:00.000Z');
  for (const bad of ['yesterday', '10', '5w', '2024-13-45T00:00:00Z', '']) assert.equal(parseSince(bad, now), null, bad);
});
