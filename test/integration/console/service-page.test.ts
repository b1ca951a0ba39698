import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { SlipwayApi } from '../../support/api-client.js';
import { testImages } from '../../support/images.js';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import { openPage, screenshot, signIn, type WatchedPage } from './browser.js';
import { DEPLOY_MS, UI_MS, assertNoBrowserErrors, closeConsole, openSignedInBrowser, startConsoleServer } from './console-session.js';

/**
 * A service's page in Chromium against a real `slipway server` on Docker: an app printing a
 * numbered line a second shows its instances, its lines arriving live (filter, pause), and
 * uPlot's CPU and memory charts (sampled every second here); a database shows its connection,
 * the password hidden until asked for.
 */

const EDGE_PORTS = '26540-26559';
/** A numbered line a second; every fifth one also on stderr. */
const PRINTER = 'i=0; while true; do i=$((i+1)); echo "tick $i"; [ $((i % 5)) -eq 0 ] && echo "fifth $i" >&2; sleep 1; done';

let slipway: SlipwayProcess;
let api: SlipwayApi;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let projectId: string;
let envId: string;
let printerId: string;
let databaseId: string;

/** The number of the last "tick n" line shown, or 0. */
async function lastTick(p: Page): Promise<number> {
  const texts = await p.getByTestId('runtime-log-line').allTextContents();
  const numbers = texts.map((t) => /tick (\d+)/.exec(t)?.[1]).filter((n): n is string => n !== undefined);
  return numbers.length ? Number(numbers.at(-1)) : 0;
}

describe('the service page in the console', { timeout: 400_000 }, () => {
  before(async () => {
    ({ slipway, api } = await startConsoleServer({ edgePorts: EDGE_PORTS, name: 'console-service-page', env: { SLIPWAY_METRICS_INTERVAL_SECONDS: '1' } }));
    projectId = (await api.createProject('watch')).id;
    envId = (await api.createEnvironment(projectId, 'staging')).id;
    printerId = (
      await api.createService(envId, {
        name: 'printer',
        type: 'container',
        source: { image: { name: testImages.appV1.name, tag: 'v1' } },
        settings: { instances: 1, memoryMb: 32, command: ['sh', '-c', PRINTER], startTimeoutSeconds: 30 },
      })
    ).id;
    databaseId = (await api.createService(envId, { name: 'cache', type: 'database', source: { engine: 'redis', version: '7', image: { name: testImages.redis.name, tag: testImages.redis.tag } } })).id;
    const deployed = await api.waitForDeployment((await api.act(printerId, 'deploy')).deploymentId, DEPLOY_MS);
    assert.equal(deployed.status, 'SUCCESS', deployed.message ?? '');
    ({ browser, main, page } = await openSignedInBrowser(slipway));
  });

  afterEach(() => {
    // Reading the environment once it is deleted answers 404 on purpose (that is how the page learns it), and so do
    // its services, deployments or queue read in the same refresh: the browser logs those loads, they are no page error.
    const gone = `status of 404 (Not Found) (${slipway.url}/api/v1/environments/${envId}`;
    assertNoBrowserErrors(main, (e) => e.includes(gone) && /\/environments\/[^/?]+(\/(services|deployments|queue|status|actions)(\?[^)]*)?)?\)$/.test(e));
  });

  after(() => closeConsole(browser, slipway, [projectId]));

  it('opens from the environment page and shows the instance, its live lines and CPU and memory charts', async () => {
    await page.goto(`${slipway.url}/environments/${envId}`);
    await page.getByRole('link', { name: 'printer', exact: true }).click();
    await page.getByRole('heading', { name: /printer/, level: 1 }).waitFor({ timeout: UI_MS });
    assert.equal(new URL(page.url()).pathname, `/services/${printerId}`);
    await page.locator('[data-testid="running-status"] [data-status="RUNNING"]').waitFor({ timeout: UI_MS });
    assert.match((await page.getByTestId('deployed-version').textContent()) ?? '', /v1/);
    assert.equal(await page.getByRole('button', { name: 'Play actions for service printer' }).count(), 1, 'the Play menu is in the header');

    const instance = page.getByTestId('instance-row');
    await instance.first().waitFor({ timeout: UI_MS });
    assert.equal(await instance.count(), 1);
    assert.equal(await instance.first().getByTestId('instance-state').textContent(), 'RUNNING');

    // Live: a line printed after the page opened arrives within a few seconds.
    await page.getByTestId('runtime-log-line').first().waitFor({ timeout: UI_MS });
    const first = await lastTick(page);
    let later = first;
    for (let i = 0; i < 40 && later < first + 2; i++) {
      await page.waitForTimeout(250);
      later = await lastTick(page);
    }
    assert.ok(later >= first + 2, `new lines arrive while the page is open (tick ${first}, then ${later})`);

    // The filter keeps the lines that contain the text; stderr lines are marked.
    await page.getByLabel('Filter log lines').fill('fifth');
    await page.locator('.log-line.stderr').first().waitFor({ timeout: UI_MS });
    const filtered = await page.getByTestId('runtime-log-line').allTextContents();
    assert.ok(filtered.length > 0 && filtered.every((t) => t.includes('fifth')), filtered.join(' | '));
    await page.getByLabel('Filter log lines').fill('');

    // Pause holds what arrives; Resume shows it.
    await page.getByRole('button', { name: 'Pause' }).click();
    const paused = await lastTick(page);
    await page.waitForTimeout(2_500);
    assert.equal(await lastTick(page), paused, 'nothing new is shown while paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForFunction(
      (n) => Array.from(document.querySelectorAll('[data-testid="runtime-log-line"]')).some((el) => Number(/tick (\d+)/.exec(el.textContent ?? '')?.[1] ?? 0) > n),
      paused,
      { timeout: 2_000 },
    );
    const ticks = (await page.getByTestId('runtime-log-line').allTextContents()).map((t) => /tick (\d+)/.exec(t)?.[1]).filter((n) => n !== undefined).map(Number);
    assert.deepEqual(ticks, ticks.map((_, i) => ticks[0]! + i), 'no line is lost across Pause and Resume');

    // uPlot draws on a canvas, once points are sampled (every second in this test).
    await page.locator('[data-testid="chart-cpu"] canvas').waitFor({ timeout: UI_MS });
    await page.locator('[data-testid="chart-memory"] canvas').waitFor({ timeout: UI_MS });
    const metrics = await api.expect<{ points: unknown[] }>(200, 'GET', `/services/${printerId}/metrics?window=1h`);
    assert.ok(metrics.points.length > 0, 'the service was sampled');

    const deployments = page.getByTestId('service-deployment');
    await deployments.first().waitFor({ timeout: UI_MS });
    assert.match((await deployments.first().textContent()) ?? '', /Deploy.*Success/i);
    await screenshot(page, 'service-page', true);
  });

  it('a database shows its connection with the password hidden until asked for', async () => {
    const expected = await api.expect<{ host: string; port: number; password: string; url: string }>(200, 'GET', `/services/${databaseId}/connection`);
    await page.goto(`${slipway.url}/services/${databaseId}`);
    await page.getByRole('heading', { name: 'Connection' }).waitFor({ timeout: UI_MS });
    await page.getByTestId('connection-host').waitFor({ timeout: UI_MS });
    assert.equal(await page.getByTestId('connection-host').textContent(), expected.host);
    assert.equal(await page.getByTestId('connection-port').textContent(), String(expected.port));
    assert.notEqual(await page.getByTestId('connection-password').textContent(), expected.password);
    assert.equal(await page.getByText(expected.password).count(), 0, 'the password is not on the page before the click');
    await page.getByRole('button', { name: 'Show password' }).click();
    assert.equal(await page.getByTestId('connection-password').textContent(), expected.password);
    assert.equal(await page.getByTestId('connection-url').textContent(), expected.url);
    assert.equal(await page.getByRole('button', { name: 'Copy password' }).count(), 1);
  });

  it('at 390 px wide the Play menu stays inside the viewport, flipped up on the last row and on the service page', async () => {
    const phone = await openPage(browser, { width: 390, height: 700 });
    try {
      await signIn(phone.page, slipway.url, slipway.token, UI_MS);
      // A scroll closes the menu (it is placed on the viewport): its event must be over before the click.
      const settled = () => phone.page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
      const inside = async (button: string) => {
        await phone.page.getByRole('button', { name: button }).scrollIntoViewIfNeeded();
        await settled();
        await phone.page.getByRole('button', { name: button }).click();
        const menu = phone.page.getByRole('menu');
        await menu.getByRole('menuitem').first().waitFor({ timeout: UI_MS });
        await phone.page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'menuitem', undefined, { timeout: UI_MS });
        const box = (await menu.boundingBox())!;
        const opener = (await phone.page.getByRole('button', { name: button }).boundingBox())!;
        assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 390 && box.y + box.height <= 700, `${button}: ${JSON.stringify(box)} inside 390×700`);
        await phone.page.keyboard.press('Escape');
        return { box, opener };
      };
      await phone.page.goto(`${slipway.url}/environments/${envId}`);
      await phone.page.getByRole('link', { name: 'cache', exact: true }).waitFor({ timeout: UI_MS });
      await inside('Play actions for environment staging');
      await inside('Play actions for service printer');
      // The last row, scrolled to the bottom of the page: no room below, so the menu opens upwards.
      await phone.page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await settled();
      const last = phone.page.getByRole('button', { name: 'Play actions for service cache' });
      const lastBox = (await last.boundingBox())!;
      await last.click();
      const menu = phone.page.getByRole('menu');
      await menu.getByRole('menuitem').first().waitFor({ timeout: UI_MS });
      const box = (await menu.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.y >= 0 && box.y + box.height <= 700, `last row: ${JSON.stringify(box)} inside 390×700`);
      const over = box.y < lastBox.y + lastBox.height && box.y + box.height > lastBox.y;
      assert.ok(!over, `the menu leaves its button visible: ${JSON.stringify({ box, lastBox })}`);
      if (lastBox.y + lastBox.height + box.height > 700 - 8) assert.ok(box.y + box.height <= lastBox.y + 1, `no room below: opened above ${JSON.stringify({ box, lastBox })}`);
      await screenshot(phone.page, 'play-menu-390');
      await phone.page.keyboard.press('Escape');
      await phone.page.goto(`${slipway.url}/services/${printerId}`);
      await phone.page.getByRole('heading', { name: /printer/, level: 1 }).waitFor({ timeout: UI_MS });
      await inside('Play actions for service printer');
      // The live log panel scrolls as lines arrive (one a second here): the open menu stays open.
      const lines = phone.page.locator('[data-testid="runtime-log-line"]');
      const before = await lines.count();
      await phone.page.getByRole('button', { name: 'Play actions for service printer' }).click();
      await phone.page.getByRole('menu').getByRole('menuitem').first().waitFor({ timeout: UI_MS });
      await phone.page.waitForFunction((n) => document.querySelectorAll('[data-testid="runtime-log-line"]').length > n + 1, before, { timeout: UI_MS });
      assert.ok(await phone.page.getByRole('menu').isVisible(), 'the menu is still open after the log panel scrolled');
      await phone.page.keyboard.press('Escape');
      assert.deepEqual(phone.errors, []);
    } finally {
      await phone.context.close();
    }
  });

  it('after its Delete finishes, an environment page goes back to its project', async () => {
    await page.goto(`${slipway.url}/environments/${envId}`);
    await page.getByRole('button', { name: 'Play actions for environment staging' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete staging?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor({ timeout: DEPLOY_MS });
    assert.equal(new URL(page.url()).hash, `#p-${projectId}`);
    await page.getByText('Environment staging was deleted').waitFor({ timeout: UI_MS });
    await page.locator('article.project', { hasText: 'watch' }).getByText('No environment.').waitFor({ timeout: UI_MS });
  });
});
