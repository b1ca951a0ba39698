import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import { SocketProxy } from '../../support/socket-proxy.js';
import { screenshot, signIn, type WatchedPage } from './browser.js';
import { launchWatchedBrowser, startConsoleServer } from './console-session.js';

/**
 * The console says when the server's Docker Engine does not answer (from GET /readyz): a banner
 * naming where it was looked for and how to fix it, gone once the engine answers.
 */

const UI_MS = 30_000;
const socketPath = join(tmpdir(), `slipway-console-docker-${randomBytes(4).toString('hex')}.sock`);
const address = `unix://${socketPath}`;
let server: SlipwayProcess | undefined;
let browser: Browser | undefined;
let watched: WatchedPage | undefined;
let proxy: SocketProxy | undefined;

before(async () => {
  ({ slipway: server } = await startConsoleServer({ edgePorts: '26110-26119', name: 'console-banner', env: { DOCKER_HOST: address } }));
  ({ browser, main: watched } = await launchWatchedBrowser());
});

after(async () => {
  await browser?.close();
  await server?.dispose();
  await proxy?.close();
  rmSync(socketPath, { force: true });
});

test('a banner names the unreachable Docker Engine and the fix, and goes once it answers', async () => {
  const { page, errors } = watched!;
  await signIn(page, server!.url, server!.token, UI_MS);

  const banner = page.getByRole('alert', { name: 'Server dependencies unavailable' });
  await banner.waitFor({ timeout: UI_MS });
  const text = (await banner.textContent()) ?? '';
  assert.match(text, /Docker Engine unavailable\./);
  assert.ok(text.includes(address), text);
  assert.match(text, /start Docker, or set DOCKER_HOST/);
  await screenshot(page, 'docker-unavailable');

  proxy = await SocketProxy.listen({ path: socketPath }, { path: '/var/run/docker.sock' });
  await banner.waitFor({ state: 'detached', timeout: UI_MS });

  // /readyz answered 503 meanwhile, which Chromium reports as a failed resource load.
  assert.deepEqual(
    errors.filter((e) => !/status of 503/.test(e)),
    [],
  );
});
