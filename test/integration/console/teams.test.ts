import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { SlipwayApi } from '../../support/api-client.js';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import { openPage, screenshot, signIn, type WatchedPage } from './browser.js';
import { UI_MS, assertNoBrowserErrors, closeConsole, openSignedInBrowser, startConsoleServer } from './console-session.js';

/**
 * Variables of a project and an environment, a service's effective env, the audit log page and a
 * token limited to one project (docs/teams.md), in Chromium against a real `slipway server`.
 * Nothing is deployed. The tests run in order and build on each other; any browser console
 * error (a 403 or 404 included) fails them.
 */

const EDGE_PORTS = '26860-26869';
const SECRET = 'project-secret-value-1';

let slipway: SlipwayProcess;
let api: SlipwayApi;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let shopId: string;
let otherId: string;
let envId: string;
let webId: string;
const watched: WatchedPage[] = [];

/** The value and scope the service page shows for one name of the effective env. */
async function effective(p: Page, key: string): Promise<{ value: string; scope: string }> {
  const row = p.locator(`tr[data-env="${key}"]`);
  await row.waitFor({ timeout: UI_MS });
  return {
    value: ((await row.getByTestId('env-value').textContent()) ?? '').trim(),
    scope: (await row.getByTestId('env-scope').getAttribute('data-scope')) ?? '',
  };
}

/** README screenshots without the notices of what was just saved over them. */
async function quietScreenshot(p: Page, name: string, fullPage = false): Promise<void> {
  await p.waitForFunction(() => !document.querySelector('.toast'), undefined, { timeout: UI_MS });
  await screenshot(p, name, fullPage);
}

/** Fills the open variable form and submits it. */
async function fillVariable(scope: Page | ReturnType<Page['locator']>, key: string, value: string, secret = false): Promise<void> {
  await scope.getByLabel('Name', { exact: true }).fill(key);
  await scope.getByLabel('Value', { exact: true }).fill(value);
  const box = scope.getByLabel('Secret', { exact: true });
  if ((await box.isChecked()) !== secret) await box.click();
  await scope.getByRole('button', { name: /^(Add|Save) variable$/ }).click();
}

describe('console: variables, effective env, audit log, project-limited tokens', { timeout: 300_000 }, () => {
  before(async () => {
    let bootstrap: SlipwayApi;
    ({ slipway, api: bootstrap } = await startConsoleServer({ edgePorts: EDGE_PORTS, name: 'console-teams' }));
    // Signed in as a named admin, so that the audit log names who did it.
    const alice = await bootstrap.expect<{ token: string }>(201, 'POST', '/tokens', { name: 'alice', role: 'admin' });
    api = new SlipwayApi(slipway.url, alice.token);
    shopId = (await api.createProject('shop')).id;
    otherId = (await api.createProject('other')).id;
    envId = (await api.createEnvironment(shopId, 'staging')).id;
    await api.createEnvironment(otherId, 'prod');
    webId = (
      await api.createService(envId, {
        name: 'web',
        type: 'container',
        source: { image: { name: 'registry.test/web', tag: '1.0' } },
        settings: { env: [{ key: 'LOG_LEVEL', value: 'warn' }] },
      })
    ).id;
    ({ browser, main, page } = await openSignedInBrowser(slipway, alice.token));
    watched.push(main);
  });

  afterEach(() => assertNoBrowserErrors(watched));

  after(() => closeConsole(browser, slipway, [shopId, otherId]));

  it('edits the project scope: a bad name is told next to its field before sending; a secret is never shown back', async () => {
    await page.getByRole('link', { name: 'Variables of shop' }).click();
    await page.getByRole('heading', { name: 'Variables of shop', level: 1 }).waitFor({ timeout: UI_MS });
    await page.getByRole('button', { name: 'Add variable' }).click();
    const form = page.getByRole('form', { name: 'New variable' });
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-path') ?? document.activeElement?.textContent ?? '');
    assert.match(await focused(), /\/key$/, 'the opened form takes the focus');
    await fillVariable(form, 'my-region', 'eu');
    const keyError = form.locator('[data-field-error]').first();
    await keyError.waitFor({ timeout: UI_MS });
    assert.match(await focused(), /\/key$/, 'the refused field takes the focus');
    assert.match((await keyError.textContent()) ?? '', /only letters, digits and _ \(no “-”\), e\.g\. my_region/);
    assert.equal(await form.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'variable-name-error');
    assert.deepEqual((await api.expect<{ items: unknown[] }>(200, 'GET', `/projects/${shopId}/variables`)).items, [], 'nothing was sent');

    await fillVariable(form, 'REGION', 'eu');
    await page.locator('tr[data-variable="REGION"]').waitFor({ timeout: UI_MS });
    assert.equal(await focused(), 'Add variable', 'once saved, the focus is back on Add variable');

    await page.getByRole('button', { name: 'Add variable' }).click();
    await fillVariable(form, 'API_KEY', 'abc', true);
    await form.getByText('A secret value has at least 4 characters').waitFor({ timeout: UI_MS });
    await fillVariable(form, 'API_KEY', SECRET, true);
    await page.locator('tr[data-variable="API_KEY"]').getByText('hidden: never shown again').waitFor({ timeout: UI_MS });

    for (const [key, value] of [['LOG_LEVEL', 'info'], ['TEMP', 'x']] as const) {
      await page.getByRole('button', { name: 'Add variable' }).click();
      await fillVariable(form, key, value);
      await page.locator(`tr[data-variable="${key}"]`).waitFor({ timeout: UI_MS });
    }
    // Edit a plain value; then the secret, leaving its (empty) value field: it is kept.
    await page.getByRole('button', { name: 'Edit REGION' }).click();
    const edit = page.getByRole('form', { name: 'Edit REGION' });
    assert.equal(await edit.getByLabel('Value', { exact: true }).inputValue(), 'eu');
    await edit.getByLabel('Value', { exact: true }).fill('eu-west');
    await edit.getByRole('button', { name: 'Save variable' }).click();
    await page.locator('tr[data-variable="REGION"]').getByText('eu-west').waitFor({ timeout: UI_MS });
    await page.getByRole('button', { name: 'Edit API_KEY' }).click();
    const editSecret = page.getByRole('form', { name: 'Edit API_KEY' });
    assert.equal(await editSecret.getByLabel('Value', { exact: true }).inputValue(), '', 'a secret is write-only');
    await editSecret.getByRole('button', { name: 'Save variable' }).click();
    await editSecret.waitFor({ state: 'detached', timeout: UI_MS });

    await page.getByRole('button', { name: 'Delete TEMP' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete variable' }).click();
    await page.locator('tr[data-variable="TEMP"]').waitFor({ state: 'detached', timeout: UI_MS });
    assert.ok(!(await page.content()).includes(SECRET), 'the secret value is nowhere on the page');
    await quietScreenshot(page, 'project-variables', true);

    const stored = await api.expect<{ items: Array<{ key: string; value: string; secret: boolean }> }>(200, 'GET', `/projects/${shopId}/variables`);
    assert.deepEqual(
      stored.items.map((v) => `${v.key}=${v.value}${v.secret ? ' (secret)' : ''}`),
      ['REGION=eu-west', 'API_KEY=******** (secret)', 'LOG_LEVEL=info'],
    );
  });

  it('edits the environment scope on its page, and the service page shows the effective env with each scope, the secret masked', async () => {
    await page.goto(`${slipway.url}/environments/${envId}`);
    await page.getByRole('heading', { name: 'staging', level: 1 }).waitFor({ timeout: UI_MS });
    const section = page.locator('section#variables');
    await section.getByRole('button', { name: 'Add variable' }).click();
    const form = section.getByRole('form', { name: 'New variable' });
    await fillVariable(form, '1REGION', 'us');
    await form.getByText('A name cannot start with a digit').waitFor({ timeout: UI_MS });
    await fillVariable(form, 'REGION', 'us');
    await section.locator('tr[data-variable="REGION"]').waitFor({ timeout: UI_MS });
    await section.getByRole('button', { name: 'Add variable' }).click();
    await fillVariable(form, 'FEATURE_FLAGS', 'beta');
    await section.locator('tr[data-variable="FEATURE_FLAGS"]').waitFor({ timeout: UI_MS });
    await quietScreenshot(page, 'environment-variables', true);

    await page.locator('tr[data-service="web"]').getByRole('link', { name: 'web', exact: true }).click();
    await page.getByRole('heading', { name: /web/, level: 1 }).waitFor({ timeout: UI_MS });
    assert.deepEqual(await effective(page, 'REGION'), { value: 'us', scope: 'environment' }, 'the environment overrides the project');
    assert.deepEqual(await effective(page, 'LOG_LEVEL'), { value: 'warn', scope: 'service' }, "the service's own overrides both");
    assert.deepEqual(await effective(page, 'FEATURE_FLAGS'), { value: 'beta', scope: 'environment' });
    const key = await effective(page, 'API_KEY');
    assert.equal(key.scope, 'project');
    assert.match(key.value, /^\*{8}\s*secret$/, 'masked, and said to be secret');
    assert.ok(!(await page.content()).includes(SECRET));
    await page.locator('tr[data-env="API_KEY"]').scrollIntoViewIfNeeded();
    await quietScreenshot(page, 'service-env');
  });

  it('the audit page lists what was done in the console with the token name, filtered and page by page', async () => {
    // More events than a page holds.
    for (let i = 0; i < 26; i++) await api.expect(200, 'PATCH', `/projects/${otherId}`, { name: 'other' });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor({ timeout: UI_MS });
    const rows = page.locator('tr[data-audit]');
    await rows.first().waitFor({ timeout: UI_MS });
    assert.equal(await rows.count(), 25);
    const firstPage = await rows.first().getAttribute('data-audit');
    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText('Page 2').waitFor({ timeout: UI_MS });
    await page.waitForFunction((first) => !document.querySelector(`tr[data-audit="${first}"]`) && document.querySelectorAll('tr[data-audit]').length > 0, firstPage, { timeout: UI_MS });
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.locator(`tr[data-audit="${firstPage}"]`).waitFor({ timeout: UI_MS });

    const filters = page.getByRole('search', { name: 'Filter the audit log' });
    await filters.getByLabel('Project').selectOption({ label: 'shop' });
    await filters.getByLabel('Who (token name)').fill('alice');
    await filters.getByLabel('Resource type').fill('environment.variables');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('tr[data-audit] [data-testid="audit-resource"]')).every((c) => c.textContent?.startsWith('environment.variables')), undefined, { timeout: UI_MS });
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => ['audit-who', 'audit-action', 'audit-resource'].map((id) => tr.querySelector(`[data-testid="${id}"]`)?.textContent?.split(' ')[0]).join(' ')));
    assert.deepEqual(shown, ['alice update environment.variables', 'alice update environment.variables'], 'the two variables added on the environment page');
    assert.match(page.url(), /tokenName=alice/, 'the filters are in the address');
    assert.match((await rows.first().textContent()) ?? '', /FEATURE_FLAGS, REGION/, 'the names of the variables, never their values');
    await quietScreenshot(page, 'audit');

    await filters.getByLabel('Who (token name)').fill('nobody');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No event matches these filters.').waitFor({ timeout: UI_MS });
  });

  it('a token limited to one project sees that project alone and no admin-only UI; a limited viewer sees the controls disabled', async () => {
    const bootstrap = new SlipwayApi(slipway.url, slipway.token);
    const team = await bootstrap.expect<{ token: string }>(201, 'POST', '/tokens', { name: 'shop-team', role: 'admin', projects: [shopId] });
    const w = await openPage(browser);
    watched.push(w);
    await signIn(w.page, slipway.url, team.token, UI_MS);
    await w.page.locator('article.project').first().waitFor({ timeout: UI_MS });
    assert.deepEqual(await w.page.locator('article.project h2').allTextContents(), ['shop']);
    assert.equal(await w.page.getByRole('link', { name: 'New project' }).count(), 0, 'a limited token cannot create projects');
    // Its audit log holds its project alone.
    await w.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await w.page.getByText('Your token sees the events of its projects alone.').waitFor({ timeout: UI_MS });
    await w.page.locator('tr[data-audit]').first().waitFor({ timeout: UI_MS });
    const projects = await w.page.locator('tr[data-audit] td:nth-child(5)').allTextContents();
    assert.ok(projects.length > 0 && projects.every((p) => p === 'shop'), `only shop's events: ${[...new Set(projects)].join(', ')}`);
    assert.deepEqual(await w.page.getByLabel('Project').locator('option').allTextContents(), ['Every project', 'shop']);
    await w.context.close();

    const viewer = await bootstrap.expect<{ token: string }>(201, 'POST', '/tokens', { name: 'shop-viewer', role: 'viewer', projects: [shopId] });
    const v = await openPage(browser);
    watched.push(v);
    await signIn(v.page, slipway.url, viewer.token, UI_MS);
    await v.page.locator('article.project').first().waitFor({ timeout: UI_MS });
    assert.equal(await v.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).count(), 0, 'the audit log is for admins');
    await v.page.getByRole('link', { name: 'Variables of shop' }).click();
    await v.page.locator('tr[data-variable="REGION"]').waitFor({ timeout: UI_MS });
    await v.page.getByText('Changing variables needs the admin role; your token has the viewer role.').waitFor({ timeout: UI_MS });
    assert.ok(await v.page.getByRole('button', { name: 'Add variable' }).isDisabled());
    assert.ok(await v.page.getByRole('button', { name: 'Edit REGION' }).isDisabled());
    assert.ok(await v.page.getByRole('button', { name: 'Delete REGION' }).isDisabled());
    await v.page.goto(`${slipway.url}/services/${webId}`);
    await effective(v.page, 'API_KEY');
    await v.context.close();
  });

  it('fits a phone: the variables and the effective env do not widen the page', async () => {
    const phone = await openPage(browser, { width: 390, height: 844 });
    watched.push(phone);
    await signIn(phone.page, slipway.url, slipway.token, UI_MS);
    for (const path of [`/environments/${envId}`, `/services/${webId}`, `/projects/${shopId}/variables`, '/audit']) {
      await phone.page.goto(`${slipway.url}${path}`);
      await phone.page.locator('tr[data-variable], tr[data-env], tr[data-audit]').first().waitFor({ timeout: UI_MS });
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${path}: no horizontal scrolling (${width} px)`);
    }
    await phone.context.close();
  });
});
