import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SlipwayApi } from '../../support/api-client.js';
import { testImages } from '../../support/images.js';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import { screenshot, type WatchedPage } from './browser.js';
import {
  DEPLOY_MS,
  UI_MS,
  assertNoBrowserErrors,
  closeConsole,
  deployWebService,
  openPlayMenu,
  openSignedInBrowser,
  serviceRow,
  startConsoleServer,
  waitForServiceStatus,
} from './console-session.js';

/**
 * Pending changes in the console (docs/actions.md#pending-changes), in a real browser against a
 * real `slipway server` on Docker: a deployed service whose env var is edited shows an amber
 * "Pending changes" badge naming the field; the Redeploy confirmation lists, per service, the
 * version it deploys and the changes it applies; once the Redeploy is done the badge is gone. Any
 * browser console error fails the test.
 */

const EDGE_PORTS = '26110-26129';

let slipway: SlipwayProcess;
let api: SlipwayApi;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let projectId: string;
let envId: string;
let webId: string;

/** The Redeploy confirmation's line for one service: its version and its changes. */
async function planLine(dialog: ReturnType<Page['getByRole']>, service: string): Promise<{ version: string; changes: string }> {
  const line = dialog.getByRole('list', { name: 'What Redeploy will deploy' }).locator(`li[data-service="${service}"]`);
  await line.waitFor({ timeout: UI_MS });
  return {
    version: ((await line.getByTestId('plan-version').textContent()) ?? '').trim(),
    changes: ((await line.getByTestId('plan-changes').textContent()) ?? '').trim(),
  };
}

/** Opens the Redeploy confirmation of a service or an environment from its Play menu. */
async function openRedeploy(name: string, level: 'service' | 'environment') {
  const menu = await openPlayMenu(page, name, level);
  await menu.getByRole('menuitem', { name: 'Redeploy', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Redeploy ${name}?` });
  await dialog.waitFor({ timeout: UI_MS });
  return dialog;
}

describe('pending changes in the console', { timeout: 400_000 }, () => {
  before(async () => {
    ({ slipway, api } = await startConsoleServer({ edgePorts: EDGE_PORTS, name: 'console-pending' }));
    projectId = (await api.createProject('shop')).id;
    envId = (await api.createEnvironment(projectId, 'staging')).id;
    ({ webId } = await deployWebService(api, envId, [{ key: 'GREETING', value: 'hello' }]));
    ({ browser, main, page } = await openSignedInBrowser(slipway));
  });

  afterEach(() => assertNoBrowserErrors(main));

  after(() => closeConsole(browser, slipway, [projectId]));

  it('a deployed service with an edited env var shows the Pending changes badge naming the field', async () => {
    await page.goto(`${slipway.url}/environments/${envId}`);
    await waitForServiceStatus(page, 'web', 'DEPLOYED', UI_MS);
    assert.equal(await serviceRow(page, 'web').getByTestId('pending-changes').count(), 0, 'no badge while the deployed spec is current');

    await api.patchService(webId, { settings: { env: [{ key: 'GREETING', value: 'hello again' }] } });
    await page.reload();
    const badge = serviceRow(page, 'web').getByTestId('pending-changes');
    await badge.waitFor({ timeout: UI_MS });
    assert.match((await badge.getAttribute('title')) ?? '', /Pending changes: env\b/);
    // The fields are in its accessible name (its text, part of it visually hidden), not only in the tooltip.
    assert.equal((await badge.textContent())?.trim(), 'Pending changes: env');
    assert.equal(await badge.getAttribute('data-tone'), 'warning', 'amber, the warning colour');
    await screenshot(page, 'pending-changes');
  });

  it("the environment's Redeploy confirmation lists each service with its version and its changes", async () => {
    const dialog = await openRedeploy('staging', 'environment');
    assert.deepEqual(await planLine(dialog, 'web'), { version: testImages.appV1.tag, changes: 'changes: env' });
    await dialog.getByRole('button', { name: 'Back' }).click();
    await dialog.waitFor({ state: 'detached', timeout: UI_MS });
  });

  it("the service's Redeploy confirmation lists its version and changes; once redeployed the badge is gone", async () => {
    const dialog = await openRedeploy('web', 'service');
    assert.deepEqual(await planLine(dialog, 'web'), { version: testImages.appV1.tag, changes: 'changes: env' });
    await screenshot(page, 'redeploy-pending-changes');

    const before = (await api.deployments(envId)).items.map((d) => d.id);
    await dialog.getByRole('button', { name: 'Redeploy', exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: UI_MS });
    const redeploy = (await api.deployments(envId)).items.find((d) => !before.includes(d.id));
    assert.ok(redeploy, 'the Redeploy was sent');
    assert.equal((await api.waitForDeployment(redeploy.id, DEPLOY_MS)).status, 'SUCCESS');
    await waitForServiceStatus(page, 'web', 'DEPLOYED', UI_MS);
    await serviceRow(page, 'web').getByTestId('pending-changes').waitFor({ state: 'detached', timeout: UI_MS });
    const service = (await api.service(webId)) as unknown as { pendingChanges?: boolean };
    assert.equal(service.pendingChanges, false);
  });
});
