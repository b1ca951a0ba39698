import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { newTestEdge, removeTestEdge, testEdgeEnv } from '../../support/test-edge.js';

const MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'src/cli/main.ts');

test('a server whose API port is taken says so and exits 1: nothing it started keeps the process alive', async (t) => {
  const holder = createServer();
  await new Promise<void>((ready) => holder.listen(0, '127.0.0.1', ready));
  t.after(() => holder.close());
  const port = (holder.address() as AddressInfo).port;
  const dataDir = await mkdtemp(join(tmpdir(), 'slipway-start-failure-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const edge = await newTestEdge();
  t.after(() => removeTestEdge(edge.container));

  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'server'], {
    env: { ...process.env, SLIPWAY_PORT: String(port), SLIPWAY_HOST: '127.0.0.1', SLIPWAY_DATA_DIR: dataDir, ...testEdgeEnv(edge), SLIPWAY_DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Before the fix the process printed the error and then lived on (the engine, the Docker watch, the edge's retries).
  const exit = await new Promise<number | null | 'still running'>((done) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done('still running');
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
  assert.equal(exit, 1, `exit: ${exit}; stderr: ${stderr}`);
  assert.match(stderr, new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
});
