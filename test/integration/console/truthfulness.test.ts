import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SlipwayApi } from '../../support/api-client.js';
import { testImages } from '../../support/images.js';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import { screenshot, type WatchedPage } from './browser.js';
import { APP_PORT_AND_READINESS, DEPLOY_MS, UI_MS, assertNoBrowserErrors, closeConsole, openSignedInBrowser, serviceRow, startConsoleServer } from './console-session.js';

/**
 * The console says what is true without a reload (docs/README.md, the web console): a request
 * queued elsewhere shows in the queue panel, queue and history name their services (a deleted
 * one too), toasts say how requests ended, a cron job shows its schedule and last run, focus goes
 * back to the control that opened a dialog, and forms check in the browser first, in plain words.
 * Chromium against a real `slipway server` on Docker.
 */

const EDGE_PORTS = '26760-26779';

let slipway: SlipwayProcess;
let api: SlipwayApi;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let projectId: string;
let envId: string;
let webId: string;
let slowId: string;
let brokenId: string;

const appSource = { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } };

async function openEnvironment(): Promise<void> {
  await page.goto(`${slipway.url}/environments/${envId}`);
  await page.getByRole('heading', { name: 'staging', level: 1 }).waitFor({ timeout: UI_MS });
}

/** The accessible name of the focused element. */
function focusedLabel(): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? null);
}

describe('the console tells the truth', { timeout: 600_000 }, () => {
  before(async () => {
    ({ slipway, api } = await startConsoleServer({ edgePorts: EDGE_PORTS, name: 'console-truth' }));
    projectId = (await api.createProject('truth')).id;
    envId = (await api.createEnvironment(projectId, 'staging')).id;
    webId = (await api.createService(envId, { name: 'web', type: 'container', source: appSource, settings: { memoryMb: 32 } })).id;
    slowId = (
      await api.createService(envId, {
        name: 'slow',
        type: 'container',
        source: { image: { name: testImages.slowReady.name, tag: testImages.slowReady.tag } },
        settings: { memoryMb: 32, env: [{ key: 'READY_DELAY', value: '600' }], startTimeoutSeconds: 900, ...APP_PORT_AND_READINESS },
      })
    ).id;
    brokenId = (await api.createService(envId, { name: 'broken', type: 'container', source: { image: { name: testImages.appV1.name, tag: 'no-such-tag' } } })).id;
    ({ browser, main, page } = await openSignedInBrowser(slipway));
  });

  afterEach(() => assertNoBrowserErrors(main));

  after(() => closeConsole(browser, slipway, [projectId]));

  it('shows a request queued elsewhere without a reload, naming its service, and toasts how requests ended', async () => {
    await openEnvironment();
    const slow = await api.act(slowId, 'deploy');
    try {
      await queuedAndEnded(slow.deploymentId);
    } finally {
      // Never left running for the next tests to wait behind.
      if ((await api.queue(envId)).running?.id === slow.deploymentId) await api.cancel(envId);
    }
  });

  async function queuedAndEnded(slowDeploymentId: string): Promise<void> {
    const queuePanel = page.locator('.card', { has: page.getByRole('heading', { name: 'Queue' }) });
    await queuePanel.getByText(/^Running: Deploy/).waitFor({ timeout: UI_MS });

    // Queued through the API while slow runs: the panel shows it from the event stream.
    const waiting = await api.act(webId, 'deploy');
    assert.ok(waiting.position >= 1, 'it waits behind the slow deploy');
    const item = page.locator(`li[data-request="${waiting.deploymentId}"]`);
    await item.waitFor({ timeout: UI_MS });
    assert.match((await item.textContent()) ?? '', /#1 Deploy web by /);
    assert.match((await queuePanel.getByText(/^Running: /).textContent()) ?? '', /^Running: Deploy slow by /);
    await screenshot(page, 'queue-live', true);

    // Canceling slow lets web's deploy run: one toast for each end.
    assert.equal((await api.cancel(envId)).status, 202);
    await page.locator('.toast', { hasText: 'Deploy slow was canceled' }).waitFor({ timeout: DEPLOY_MS });
    assert.equal((await api.deployment(slowDeploymentId)).status, 'CANCELED');
    await page.locator('.toast', { hasText: 'Deploy web succeeded' }).waitFor({ timeout: DEPLOY_MS });
    await item.waitFor({ state: 'detached', timeout: UI_MS });

    // A deploy that fails says so, as an error.
    const failed = await api.act(brokenId, 'deploy');
    await page.locator('.toast.toast-error', { hasText: 'Deploy broken failed' }).waitFor({ timeout: DEPLOY_MS });
    assert.equal((await api.deployment(failed.deploymentId)).status, 'ERROR');
  }

  it('names the services of history entries, a deleted service by the name it had', async () => {
    // Away from the environment page meanwhile: a refresh racing the Delete would read the deleted service (404).
    await page.goto(`${slipway.url}/`);
    const goneId = (await api.createService(envId, { name: 'gone', type: 'container', source: appSource, settings: { memoryMb: 32 } })).id;
    const deployed = await api.waitForDeployment((await api.act(goneId, 'deploy')).deploymentId, DEPLOY_MS);
    assert.equal(deployed.status, 'SUCCESS', deployed.message ?? '');
    const deleted = await api.waitForDeployment((await api.deleteService(goneId)).deploymentId, DEPLOY_MS);
    assert.equal(deleted.status, 'SUCCESS', deleted.message ?? '');
    await openEnvironment();
    const history = page.locator('.history-list');
    assert.match((await history.locator(`li[data-deployment="${deployed.id}"] .history-link`).textContent()) ?? '', /^Deploy gone/);
    assert.match((await history.locator(`li[data-deployment="${deleted.id}"] .history-link`).textContent()) ?? '', /^Delete gone/);
    assert.equal(await history.getByText('deleted service').count(), 0);
  });

  it('shows a cron job with its schedule and last run rather than a running status', async () => {
    const nightlyId = (
      await api.createService(envId, {
        name: 'nightly',
        type: 'job',
        source: {
          jobType: 'cron',
          schedule: '*/2 * * * * *',
          source: appSource,
          command: ['/bin/busybox', 'sh', '-c', 'echo nightly; exit 3'],
          maxDurationSeconds: 30,
        },
        settings: { memoryMb: 32, cpu: 100 },
      })
    ).id;
    const deployed = await api.waitForDeployment((await api.act(nightlyId, 'deploy')).deploymentId, DEPLOY_MS);
    assert.equal(deployed.status, 'SUCCESS', deployed.message ?? '');
    type Run = { status: string; exitCode: number | null };
    const runs = async () => (await api.expect<{ items: Run[] }>(200, 'GET', `/services/${nightlyId}/runs`)).items;
    for (let i = 0; i < 100 && !(await runs()).some((r) => r.status !== 'RUNNING'); i++) await new Promise((r) => setTimeout(r, 300));
    // Stopped so that the last run stays the last one while the page is read.
    assert.equal((await api.waitForDeployment((await api.act(nightlyId, 'stop')).deploymentId, DEPLOY_MS)).status, 'SUCCESS');
    for (let i = 0; i < 100 && (await runs()).some((r) => r.status === 'RUNNING'); i++) await new Promise((r) => setTimeout(r, 300));
    const last = (await runs())[0];
    assert.deepEqual([last?.status, last?.exitCode], ['FAILED', 3]);

    await openEnvironment();
    const running = serviceRow(page, 'nightly').getByTestId('running-status');
    await running.getByTestId('cron-summary').waitFor({ timeout: UI_MS });
    assert.equal(await running.getByTestId('cron-schedule').textContent(), 'Runs */2 * * * * *');
    assert.match((await running.getByTestId('cron-last-run').textContent()) ?? '', /^Last run .+ Failed exit 3$/i);
    assert.equal(await running.locator('[data-status="FAILED"]').count(), 1);
    assert.equal(await running.getByText('Stopped').count(), 0, 'no running status word in place of the schedule');
    await screenshot(page, 'cron-row', true);
  });

  it('gives focus back to the control that opened a dialog', async () => {
    await openEnvironment();
    const play = page.getByRole('button', { name: 'Play actions for service web' });
    // A confirmation opened from the Play menu, closed with Escape.
    await play.click();
    const menu = page.getByRole('menu', { name: 'Actions for web' });
    await menu.getByRole('menuitem').first().waitFor({ timeout: UI_MS });
    await menu.locator('[role="menuitem"]:not([aria-disabled]):is([data-action="RESTART"], [data-action="DEPLOY"], [data-action="REDEPLOY"])').first().click();
    await page.getByRole('dialog', { name: /^(Restart|Deploy|Redeploy) web\?$/ }).waitFor({ timeout: UI_MS });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached', timeout: UI_MS });
    assert.equal(await focusedLabel(), 'Play actions for service web');
    // Deploy other version, closed with its Close button.
    await play.click();
    await page.getByRole('menu', { name: 'Actions for web' }).getByRole('menuitem', { name: 'Deploy other version' }).click();
    const versions = page.getByRole('dialog', { name: 'Deploy other version of web' });
    await versions.waitFor({ timeout: UI_MS });
    await versions.getByRole('button', { name: 'Close' }).click();
    await versions.waitFor({ state: 'detached', timeout: UI_MS });
    assert.equal(await focusedLabel(), 'Play actions for service web');
    // A dialog opened by a button of the page.
    const latest = page.getByRole('button', { name: 'Deploy latest version…' });
    await latest.click();
    await page.getByRole('dialog', { name: /Deploy latest version in staging/ }).waitFor({ timeout: UI_MS });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached', timeout: UI_MS });
    assert.equal(await focusedLabel(), 'Deploy latest version…');
  });

  it('toasts the end of a request started from the console on a page other than its environment', async () => {
    await page.goto(`${slipway.url}/services/${webId}`);
    await page.getByRole('heading', { name: /web/, level: 1 }).waitFor({ timeout: UI_MS });
    await page.getByRole('button', { name: 'Play actions for service web' }).click();
    await page.getByRole('menu', { name: 'Actions for web' }).getByRole('menuitem', { name: 'Restart' }).click();
    await page.getByRole('dialog', { name: 'Restart web?' }).getByRole('button', { name: 'Restart', exact: true }).click();
    await page.locator('.toast', { hasText: /^Restart web: started$/ }).waitFor({ timeout: UI_MS });
    await page.locator('.toast', { hasText: 'Restart web succeeded' }).waitFor({ timeout: DEPLOY_MS });
  });

  it('checks a form in the browser first: a bad name is told in plain words next to the field, and nothing is sent', async () => {
    const sent: string[] = [];
    const onRequest = (request: { method(): string; url(): string }) => {
      if (request.method() !== 'GET' && request.url().includes('/api/v1/')) sent.push(`${request.method()} ${request.url()}`);
    };
    page.on('request', onRequest);
    try {
      await page.goto(`${slipway.url}/environments/${envId}/services/new`);
      const name = page.getByLabel('Name', { exact: true });
      await name.fill('My_App');
      await page.getByLabel('Image name', { exact: true }).fill(testImages.appV1.name);
      await page.getByRole('button', { name: 'Add port' }).click();
      await page.getByLabel('Container port 1').fill('70000');
      await page.getByRole('button', { name: 'Create service' }).click();
      await name.and(page.locator('[aria-invalid="true"]')).waitFor({ timeout: UI_MS });
      const errorOf = async (label: string) => {
        const ids = ((await page.getByLabel(label, { exact: true }).getAttribute('aria-describedby')) ?? '').split(' ');
        return page.locator(`[id="${ids.find((id) => id.endsWith('-error'))}"]`).textContent();
      };
      assert.equal(await errorOf('Name'), 'Use lower-case letters only.');
      assert.equal(await errorOf('Container port 1'), 'Enter a number from 1 to 65535.');
      await page.getByRole('alert').filter({ hasText: 'nothing was sent' }).waitFor({ timeout: UI_MS });
      assert.equal(await page.locator('[data-field-error]').filter({ hasText: /pattern|\^/ }).count(), 0, 'no JSON Schema pattern is shown');
      await screenshot(page, 'form-plain-words', true);

      // The environment form shares the same rules.
      await page.goto(`${slipway.url}/environments/${envId}/edit`);
      await page.getByLabel('Name', { exact: true }).fill('-staging');
      await page.getByLabel('Max parallel builds').fill('40');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByLabel('Max parallel builds').and(page.locator('[aria-invalid="true"]')).waitFor({ timeout: UI_MS });
      assert.equal(await errorOf('Name'), 'Start and end the name with a letter or a digit, not a hyphen.');
      assert.equal(await errorOf('Max parallel builds'), 'Enter a number from 1 to 32.');
      assert.deepEqual(sent, [], 'no request was sent');
    } finally {
      page.off('request', onRequest);
    }
  });
});
