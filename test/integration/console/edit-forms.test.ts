import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SlipwayApi } from '../../support/api-client.js';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import type { WatchedPage } from './browser.js';
import { UI_MS, assertNoBrowserErrors, closeConsole, dropExpectedErrors, openSignedInBrowser, startConsoleServer } from './console-session.js';

/**
 * Editing a project and an environment through the console's forms, in a real browser against a
 * real `slipway server`: validation errors (the browser's checks, the API's conflicts) show next to the field or above the buttons, and the saved
 * values show on the pages. Nothing is deployed. Any browser console error fails the test.
 */

const EDGE_PORTS = '26100-26109';

let slipway: SlipwayProcess;
let api: SlipwayApi;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let projectId: string;
let envId: string;

/** The text of the error the field names in its aria-describedby, or null when it names none. */
async function fieldError(label: string): Promise<string | null> {
  const field = page.getByLabel(label, { exact: true });
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ');
  const errorId = ids.find((id) => id.endsWith('-error'));
  return errorId ? page.locator(`[id="${errorId}"]`).textContent() : null;
}

describe('console edit forms in a real browser', { timeout: 300_000 }, () => {
  before(async () => {
    ({ slipway, api } = await startConsoleServer({ edgePorts: EDGE_PORTS, name: 'console-edit' }));
    projectId = (await api.createProject('shop')).id;
    envId = (await api.createEnvironment(projectId, 'staging')).id;
    await api.createEnvironment(projectId, 'production');
    ({ browser, main, page } = await openSignedInBrowser(slipway));
  });

  afterEach(() => assertNoBrowserErrors(main));

  after(() => closeConsole(browser, slipway, [projectId]));

  it('renames an environment through its form: a bad name shows its error next to the field, a good one shows on the page', async () => {
    await page.locator('li[data-environment="staging"]').getByRole('link', { name: 'staging' }).click();
    await page.getByRole('heading', { name: 'staging', level: 1 }).waitFor({ timeout: UI_MS });
    await page.getByRole('link', { name: 'Edit environment staging' }).click();
    await page.getByRole('heading', { name: 'Edit environment staging', level: 1 }).waitFor({ timeout: UI_MS });

    // The form starts from the current values; the runtime is shown but cannot change.
    const name = page.getByLabel('Name', { exact: true });
    assert.equal(await name.inputValue(), 'staging');
    assert.equal(await page.getByLabel('Max parallel builds').inputValue(), '2');
    assert.equal(await page.getByLabel('Max parallel deploys').inputValue(), '4');
    assert.equal(await page.getByLabel('Runtime').isDisabled(), true);

    // A name that is no DNS label: refused in the browser, the message sits under the field.
    await name.fill('Not_A_Label');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.field.has-error [data-field-error]').first().waitFor({ timeout: UI_MS });
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal(await fieldError('Name'), 'Use lower-case letters only.');
    // A settings bound is reported next to its own field at the same time.
    await page.getByLabel('Max parallel builds').fill('40');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByLabel('Max parallel builds').and(page.locator('[aria-invalid="true"]')).waitFor({ timeout: UI_MS });
    assert.equal(await fieldError('Max parallel builds'), 'Enter a number from 1 to 32.');
    assert.equal(await fieldError('Name'), 'Use lower-case letters only.');
    // Another environment's name: CONFLICT, said above the buttons.
    await name.fill('production');
    await page.getByLabel('Max parallel builds').fill('3');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: 'production' }).waitFor({ timeout: UI_MS });
    assert.equal(await fieldError('Name'), null, 'the field errors of the earlier answer are gone');
    // The refused saves answered 409 and 400, which Chromium reports as failed resource loads: expected here.
    dropExpectedErrors(main, /status of 409/);
    dropExpectedErrors(main, /status of 400/);

    // Keyboard only: fix the name and submit with Enter from the field.
    await name.fill('qa');
    await name.press('Enter');
    await page.getByRole('heading', { name: 'qa', level: 1 }).waitFor({ timeout: UI_MS });
    await page.getByText('max 3 parallel builds, 4 parallel deploys').waitFor({ timeout: UI_MS });
    assert.equal(new URL(page.url()).pathname, `/environments/${envId}`);
    const stored = await api.expect<{ name: string; runtime: string; settings: unknown }>(200, 'GET', `/environments/${envId}`);
    assert.deepEqual([stored.name, stored.runtime, stored.settings], ['qa', 'docker', { maxParallelBuilds: 3, maxParallelDeploys: 4 }]);
  });

  it('renames a project from the projects page', async () => {
    await page.getByRole('link', { name: 'Projects', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor({ timeout: UI_MS });
    await page.getByRole('link', { name: 'Edit project shop' }).click();
    const name = page.getByLabel('Name', { exact: true });
    assert.equal(await name.inputValue(), 'shop');
    await name.fill('-shop');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await name.and(page.locator('[aria-invalid="true"]')).waitFor({ timeout: UI_MS });
    assert.equal(await fieldError('Name'), 'Start and end the name with a letter or a digit, not a hyphen.');
    // The refused save answered 400: expected here.
    dropExpectedErrors(main, /status of 400/);
    await name.fill('store');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'store', level: 2 }).waitFor({ timeout: UI_MS });
    assert.equal((await api.expect<{ name: string }>(200, 'GET', `/projects/${projectId}`)).name, 'store');
  });
});
