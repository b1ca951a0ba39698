import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SlipwayApi } from '../../support/api-client.js';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import type { WatchedPage } from './browser.js';
import { UI_MS, assertNoBrowserErrors, closeConsole, openSignedInBrowser, startConsoleServer } from './console-session.js';

/** "Clone" on the environment page (docs/teams.md#clone), in a real browser against a real `slipway server`. Nothing is deployed. */

const EDGE_PORTS = '26140-26149';

let slipway: SlipwayProcess;
let api: SlipwayApi;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let projectId: string;

describe('console: clone an environment', { timeout: 300_000 }, () => {
  before(async () => {
    ({ slipway, api } = await startConsoleServer({ edgePorts: EDGE_PORTS, name: 'console-clone' }));
    projectId = (await api.createProject('shop')).id;
    const envId = (await api.createEnvironment(projectId, 'staging')).id;
    await api.createService(envId, { name: 'web', type: 'container', source: { image: { name: 'registry.test/web', tag: '1.0' } } });
    ({ browser, main, page } = await openSignedInBrowser(slipway));
  });

  afterEach(() => {
    // A refused clone answers 409, which Chromium reports as a failed resource load: expected here.
    assertNoBrowserErrors(main, (e) => /status of 409/.test(e));
  });

  after(() => closeConsole(browser, slipway, [projectId]));

  it('clones from the environment page: a taken name is refused, a new one opens the clone with its services', async () => {
    await page.locator('li[data-environment="staging"]').getByRole('link', { name: 'staging' }).click();
    await page.getByRole('heading', { name: 'staging', level: 1 }).waitFor({ timeout: UI_MS });
    await page.getByRole('link', { name: 'Clone', exact: true }).click();
    await page.getByRole('heading', { name: 'Clone environment staging', level: 1 }).waitFor({ timeout: UI_MS });
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('staging');
    await page.getByRole('button', { name: 'Clone environment' }).click();
    await page.getByRole('alert').filter({ hasText: 'already has an environment named staging' }).waitFor({ timeout: UI_MS });

    await name.fill('staging-2');
    await page.getByRole('button', { name: 'Clone environment' }).click();
    await page.getByRole('heading', { name: 'staging-2', level: 1 }).waitFor({ timeout: UI_MS });
    await page.locator('tr[data-service="web"]').waitFor({ timeout: UI_MS });
    const envs = await api.expect<{ items: Array<{ name: string }> }>(200, 'GET', `/projects/${projectId}/environments`);
    assert.deepEqual(envs.items.map((e) => e.name).sort(), ['staging', 'staging-2']);
  });
});
