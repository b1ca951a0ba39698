import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ReadyFiles } from '../../../src/runtime/docker/caddy/ready-files.js';

test('ready files: marked, listed, unmarked; the changes apply in the order asked', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sw-ready-'));
  try {
    const ready = new ReadyFiles(dir);
    assert.deepEqual(await ready.list(), new Set());
    await ready.mark('sw-svc-0-a:8080');
    await ready.mark('10.0.0.2:8080');
    assert.deepEqual(await ready.list(), new Set(['sw-svc-0-a:8080', '10.0.0.2:8080']));
    // Admitted then retired at once, neither awaited: it ends unmarked.
    void ready.mark('sw-svc-1-b:8080');
    await ready.unmark('sw-svc-1-b:8080');
    await ready.unmark('sw-svc-0-a:8080');
    await ready.unmark('never-marked:80');
    assert.deepEqual(await ready.list(), new Set(['10.0.0.2:8080']));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ready files: a name that is no host:port is refused', () => {
  const ready = new ReadyFiles('/nonexistent');
  assert.throws(() => ready.mark('../admin.sock'), /not an upstream address/);
  assert.throws(() => ready.unmark('a/b:80'), /not an upstream address/);
});
