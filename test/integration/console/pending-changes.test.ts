import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { SlipwayApi } from '../../support/api-client.js';
import { testImages } from '../../support/images.js';
import { SlipwayProcess } from '../../support/slipway-process.js';
import { REPO, launchBrowser, openPage, screenshot, signIn, type WatchedPage } from './browser.js';
import { cleanupProjects } from '../../support/docker-cleanup.js';

/**
 * Pending changes in the console (docs/actions.md#pending-changes), in a real browser against a
 * real `slipway server` on Docker: a deployed service whose env var is edited shows an amber
 * "Pending changes" badge naming the field; the Redeploy confirmation lists, per service, the
 * version it deploys and the changes it applies; once the Redeploy is done the badge is gone. Any
 * browser console error fails the test.
 */

const EDGE_PORTS = '26110-26129';
/** Generous deadlines for real deployments on a loaded 2-core machine; never a sleep. */
const DEPLOY_MS = 120_000;
const UI_MS = 15_000;

let slipway: SlipwayProcess;
let api: SlipwayApi;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let projectId: string;
let envId: string;
let webId: string;

function row(name: string) {
  return page.locator(`tr[data-service="${name}"]`);
}

async function openPlay(name: string, level: 'service' | 'environment') {
  await page.getByRole('button', { name: `Play actions for ${level} ${name}` }).click();
  const menu = page.getByRole('menu', { name: `Actions for ${name}` });
  await menu.getByRole('menuitem').first().waitFor({ timeout: UI_MS });
  return menu;
}

/** The Redeploy confirmation's line for one service: its version and its changes. */
async function planLine(dialog: ReturnType<Page['getByRole']>, service: string): Promise<{ version: string; changes: string }> {
  const line = dialog.getByRole('list', { name: 'What Redeploy will deploy' }).locator(`li[data-service="${service}"]`);
  await line.waitFor({ timeout: UI_MS });
  return {
    version: ((await line.getByTestId('plan-version').textContent()) ?? '').trim(),
    changes: ((await line.getByTestId('plan-changes').textContent()) ?? '').trim(),
  };
}

describe('pending changes in the console', { timeout: 400_000 }, () => {
  before(async () => {
    // The server serves dist/web: build the console as it is now.
    const build = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: REPO, stdio: 'inherit' });
    assert.equal(build.status, 0, 'npm run build:web failed');
    slipway = await SlipwayProcess.start({ edgePorts: EDGE_PORTS, name: 'console-pending' });
    api = new SlipwayApi(slipway.url, slipway.token);
    projectId = (await api.createProject('shop')).id;
    envId = (await api.createEnvironment(projectId, 'staging')).id;
    const web = await api.createService(envId, {
      name: 'web',
      type: 'container',
      source: { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } },
      settings: {
        env: [{ key: 'GREETING', value: 'hello' }],
        ports: [{ containerPort: 8080 }],
        healthchecks: { readiness: { type: 'http', path: '/healthz', port: 8080, periodSeconds: 1 } },
      },
    });
    webId = web.id;
    const deployed = await api.waitForDeployment((await api.act(webId, 'deploy')).deploymentId, DEPLOY_MS);
    assert.equal(deployed.status, 'SUCCESS');
    browser = await launchBrowser();
    main = await openPage(browser);
    page = main.page;
    await signIn(page, slipway.url, slipway.token, UI_MS);
  });

  afterEach(() => {
    const errors = main.errors.splice(0);
    assert.deepEqual(errors, [], 'the browser console must stay free of errors');
  });

  after(async () => {
    await browser?.close();
    await slipway?.dispose();
    if (projectId) await cleanupProjects([projectId]);
  });

  it('a deployed service with an edited env var shows the Pending changes badge naming the field', async () => {
    await page.goto(`${slipway.url}/environments/${envId}`);
    await row('web').locator('[data-testid="service-status"] [data-status="DEPLOYED"]').waitFor({ timeout: UI_MS });
    assert.equal(await row('web').getByTestId('pending-changes').count(), 0, 'no badge while the deployed spec is current');

    await api.patchService(webId, { settings: { env: [{ key: 'GREETING', value: 'hello again' }] } });
    await page.reload();
    const badge = row('web').getByTestId('pending-changes');
    await badge.waitFor({ timeout: UI_MS });
    assert.match((await badge.getAttribute('title')) ?? '', /Pending changes: env\b/);
    // The fields are in its accessible name (its text, part of it visually hidden), not only in the tooltip.
    assert.equal((await badge.textContent())?.trim(), 'Pending changes: env');
    assert.equal(await badge.getAttribute('data-tone'), 'warning', 'amber, the warning colour');
    await screenshot(page, 'pending-changes');
  });

  it("the environment's Redeploy confirmation lists each service with its version and its changes", async () => {
    const menu = await openPlay('staging', 'environment');
    await menu.getByRole('menuitem', { name: 'Redeploy', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Redeploy staging?' });
    await dialog.waitFor({ timeout: UI_MS });
    assert.deepEqual(await planLine(dialog, 'web'), { version: testImages.appV1.tag, changes: 'changes: env' });
    await dialog.getByRole('button', { name: 'Back' }).click();
    await dialog.waitFor({ state: 'detached', timeout: UI_MS });
  });

  it("the service's Redeploy confirmation lists its version and changes; once redeployed the badge is gone", async () => {
    const menu = await openPlay('web', 'service');
    await menu.getByRole('menuitem', { name: 'Redeploy', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Redeploy web?' });
    await dialog.waitFor({ timeout: UI_MS });
    assert.deepEqual(await planLine(dialog, 'web'), { version: testImages.appV1.tag, changes: 'changes: env' });
    await screenshot(page, 'redeploy-pending-changes');

    const before = (await api.deployments(envId)).items.map((d) => d.id);
    await dialog.getByRole('button', { name: 'Redeploy', exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: UI_MS });
    const redeploy = (await api.deployments(envId)).items.find((d) => !before.includes(d.id));
    assert.ok(redeploy, 'the Redeploy was sent');
    assert.equal((await api.waitForDeployment(redeploy.id, DEPLOY_MS)).status, 'SUCCESS');
    await row('web').locator('[data-testid="service-status"] [data-status="DEPLOYED"]').waitFor({ timeout: UI_MS });
    await row('web').getByTestId('pending-changes').waitFor({ state: 'detached', timeout: UI_MS });
    const service = (await api.service(webId)) as unknown as { pendingChanges?: boolean };
    assert.equal(service.pendingChanges, false);
  });
});
