import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { contextTar } from '../../../src/build/build-context.js';

const root = mkdtempSync(join(tmpdir(), 'slipway-context-'));
after(() => rmSync(root, { recursive: true, force: true }));

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'ctx-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** The paths in the tar contextTar makes (read back with the tar CLI), and the tar's bytes. */
async function pack(dir: string, entries: string[], dockerfile = 'Dockerfile'): Promise<{ names: string[]; bytes: Buffer }> {
  const file = join(root, `out-${Math.random().toString(36).slice(2)}.tar`);
  await pipeline(await contextTar(dir, entries, dockerfile), createWriteStream(file));
  const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace(/\/$/, ''))
    .sort();
  return { names, bytes: readFileSync(file) };
}

test('the context is a plain tar of the entries (not gzipped)', async () => {
  const dir = context({ Dockerfile: 'FROM scratch\n', 'www/index.html': 'v1', 'www/healthz': 'ok' });
  const { names, bytes } = await pack(dir, ['Dockerfile', 'www']);
  assert.deepEqual(names, ['Dockerfile', 'www', 'www/healthz', 'www/index.html']);
  assert.notDeepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
  // The entries array is the caller's: packing must not consume it.
  const entries = ['Dockerfile'];
  await pack(dir, entries);
  assert.deepEqual(entries, ['Dockerfile']);
});

test('.dockerignore excludes top-level and nested paths; the Dockerfile and .dockerignore are always sent', async () => {
  const dir = context({
    Dockerfile: 'FROM scratch\n',
    '.dockerignore': 'secret.txt\nwww/drafts\n**/*.log\nDockerfile\n',
    'secret.txt': 's',
    'www/index.html': 'v1',
    'www/drafts/next.html': 'v2',
    'www/debug.log': 'x',
  });
  const { names } = await pack(dir, ['.dockerignore', 'Dockerfile', 'secret.txt', 'www']);
  assert.deepEqual(names, ['.dockerignore', 'Dockerfile', 'www', 'www/index.html']);
});
