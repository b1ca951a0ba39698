import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SlipwayApi } from '../../support/api-client.js';
import { testImages } from '../../support/images.js';
import { NotificationReceiver } from '../../support/notification-receiver.js';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import { screenshot, type WatchedPage } from './browser.js';
import { DEPLOY_MS, UI_MS, assertNoBrowserErrors, closeConsole, deployWebService, openSignedInBrowser, startConsoleServer } from './console-session.js';

/**
 * A project's Notifications page and the deployment page's Roll back, in Chromium against a real
 * `slipway server` on Docker: a notification is added (a mistake shown in plain words next to its
 * field first), its delivery is shown with each try (500, then 200), it is deleted; a past
 * successful deployment offers Roll back with what will change, and the rollback runs.
 */

const EDGE_PORTS = '26400-26419';

let slipway: SlipwayProcess;
let api: SlipwayApi;
let receiver: NotificationReceiver;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let projectId: string;
let webId: string;
let firstDeployment: string;

describe('notifications and rollback in the console', { timeout: 400_000 }, () => {
  before(async () => {
    receiver = await NotificationReceiver.start();
    ({ slipway, api } = await startConsoleServer({
      edgePorts: EDGE_PORTS,
      name: 'console-notify',
      env: { SLIPWAY_NOTIFICATION_ALLOW_HOSTS: '127.0.0.1', SLIPWAY_NOTIFICATION_FIRST_RETRY_MS: '500' },
    }));
    projectId = (await api.createProject('shop')).id;
    const envId = (await api.createEnvironment(projectId, 'staging')).id;
    // web runs testImages.appV1, tag v1: the version the rollback below goes back to.
    ({ webId, deploymentId: firstDeployment } = await deployWebService(api, envId, [{ key: 'MODE', value: 'one' }]));
    await api.patchService(webId, { source: { image: { name: testImages.appV2.name, tag: 'v2' } }, settings: { env: [{ key: 'MODE', value: 'two' }] } });
    assert.equal((await api.waitForDeployment((await api.act(webId, 'redeploy')).deploymentId, DEPLOY_MS)).status, 'SUCCESS');
    ({ browser, main, page } = await openSignedInBrowser(slipway));
  });

  afterEach(() => {
    // A refused form answers 400 on purpose: the browser logs the failed request, which is no page error.
    assertNoBrowserErrors(main, (e) => /status of 400/.test(e));
  });

  after(async () => {
    await closeConsole(browser, slipway, [projectId]);
    await receiver?.close();
  });

  it('adds a notification (a mistake explained next to its field), shows its delivery with each try, deletes it', async () => {
    await page.getByRole('link', { name: 'Notifications of shop' }).click();
    await page.getByRole('heading', { name: 'Notifications of shop' }).waitFor({ timeout: UI_MS });
    await page.getByRole('button', { name: 'Add notification' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add notification' });
    await dialog.getByLabel('Name').fill('Ops Team');
    await dialog.getByLabel('URL').fill(receiver.url);
    await dialog.getByLabel(/deployment\.succeeded/).check();
    await dialog.getByRole('button', { name: 'Add notification' }).click();
    await dialog.getByText('use lower-case letters, digits and -').waitFor({ timeout: UI_MS });
    assert.equal(receiver.received.length, 0);

    await dialog.getByLabel('Name').fill('ops');
    await dialog.getByLabel('Secret (optional)').fill('console-secret-1');
    await dialog.getByRole('button', { name: 'Add notification' }).click();
    await dialog.waitFor({ state: 'detached', timeout: UI_MS });
    const row = page.locator('tr[data-notification="ops"]');
    await row.waitFor({ timeout: UI_MS });
    assert.match((await row.textContent()) ?? '', /deployment\.failed, deployment\.succeeded.*json/);
    assert.match((await row.textContent()) ?? '', /signed/);

    receiver.answer(500);
    assert.equal((await api.waitForDeployment((await api.act(webId, 'redeploy')).deploymentId, DEPLOY_MS)).status, 'SUCCESS');
    await row.getByRole('button', { name: 'Deliveries' }).click();
    const deliveries = page.getByRole('dialog', { name: 'Deliveries of ops' });
    const tries = deliveries.locator('tr[data-try]');
    for (let i = 0; i < 60 && (await tries.count()) < 2; i++) {
      await deliveries.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
    }
    assert.equal(await tries.count(), 2);
    assert.match((await tries.nth(0).textContent()) ?? '', /500.*the receiver answered 500/);
    assert.match((await tries.nth(1).textContent()) ?? '', /200/);
    await deliveries.locator('[data-status="DELIVERED"]').waitFor({ timeout: UI_MS });
    await screenshot(page, 'notification-deliveries');
    await deliveries.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Delete notification ops' }).click();
    await page.getByRole('dialog', { name: 'Delete notification ops?' }).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached', timeout: UI_MS });
    await page.getByText('No notification yet.').waitFor({ timeout: UI_MS });
  });

  it('a past successful deployment offers Roll back, says what will change, and rolls back', async () => {
    await page.goto(`${slipway.url}/deployments/${firstDeployment}`);
    await page.getByRole('button', { name: 'Roll back to this deployment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to this deployment?' });
    const line = dialog.getByRole('list', { name: 'What will change' }).locator('li[data-service="web"]');
    await line.waitFor({ timeout: UI_MS });
    assert.equal(((await line.textContent()) ?? '').replace(/\s+/g, ' ').trim(), 'web: v2 → v1 · puts back source, env');
    await screenshot(page, 'rollback-confirmation');
    await dialog.getByRole('button', { name: 'Roll back', exact: true }).click();
    await page.getByTestId('rollback-of').waitFor({ timeout: UI_MS });
    const rollbackId = page.url().split('/deployments/')[1]!;
    assert.notEqual(rollbackId, firstDeployment);
    assert.equal((await api.waitForDeployment(rollbackId, DEPLOY_MS)).status, 'SUCCESS');
    await page.locator('[data-testid="deployment-status"] [data-status="SUCCESS"]').waitFor({ timeout: UI_MS });
    const service = await api.service(webId);
    assert.equal(service.deployedVersion, 'v1');
    assert.deepEqual((service.settings as { env: Array<{ key: string; value: string }> }).env.map((v) => `${v.key}=${v.value}`), ['MODE=one']);
  });
});
