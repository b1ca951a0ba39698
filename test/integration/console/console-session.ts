import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { SlipwayApi } from '../../support/api-client.js';
import { cleanupProjects } from '../../support/docker-cleanup.js';
import { APP_PORT, testImages } from '../../support/images.js';
import { SlipwayProcess, type SlipwayProcessOptions } from '../../support/slipway-process.js';
import { REPO, launchBrowser, openPage, signIn, type WatchedPage } from './browser.js';

/**
 * The set-up the console's browser tests share: a `slipway server` serving the console as it is
 * now, Chromium with a watched page signed in to it, the check that no page logged an error, and
 * the clean-up. Plain functions: each test file keeps its own variables and its own data.
 */

/** How long a page may take to show what a test waits for, on a loaded 2-core machine; never a sleep. */
export const UI_MS = 15_000;
/** How long a real deployment on Docker may take here. */
export const DEPLOY_MS = 120_000;

/** Settings that make a test app image reachable on its port and ready once `/healthz` answers. */
export const APP_PORT_AND_READINESS = {
  ports: [{ containerPort: APP_PORT }],
  healthchecks: { readiness: { type: 'http', path: '/healthz', port: APP_PORT, periodSeconds: 1 } },
};

export interface ConsoleServer {
  slipway: SlipwayProcess;
  /** Signed with the bootstrap (admin) token. */
  api: SlipwayApi;
}

/** Builds the console (the server serves dist/web), then starts a `slipway server` and an API client for it. */
export async function startConsoleServer(options: SlipwayProcessOptions): Promise<ConsoleServer> {
  const build = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: REPO, stdio: 'inherit' });
  assert.equal(build.status, 0, 'npm run build:web failed');
  const slipway = await SlipwayProcess.start(options);
  return { slipway, api: new SlipwayApi(slipway.url, slipway.token) };
}

export interface ConsoleBrowser {
  browser: Browser;
  /** The page the tests drive; its errors are checked after each test. */
  main: WatchedPage;
  page: Page;
}

/** Chromium with one watched page, not signed in yet. */
export async function launchWatchedBrowser(): Promise<ConsoleBrowser> {
  const browser = await launchBrowser();
  try {
    const main = await openPage(browser);
    return { browser, main, page: main.page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Chromium with one watched page signed in with this token (the bootstrap token unless told), on the projects page. */
export async function openSignedInBrowser(slipway: SlipwayProcess, token = slipway.token): Promise<ConsoleBrowser> {
  const opened = await launchWatchedBrowser();
  try {
    await signIn(opened.page, slipway.url, token, UI_MS);
    return opened;
  } catch (error) {
    await opened.browser.close();
    throw error;
  }
}

/**
 * Fails when a page logged a console error or an uncaught exception since the last check; errors
 * the test expects (e.g. a refused form's 400) pass `expected`. Every check starts afresh.
 */
export function assertNoBrowserErrors(pages: WatchedPage | readonly WatchedPage[], expected: (error: string) => boolean = () => false): void {
  const all: readonly WatchedPage[] = 'errors' in pages ? [pages] : pages;
  for (const watched of all) {
    const errors = watched.errors.splice(0).filter((e) => !expected(e));
    assert.deepEqual(errors, [], 'the browser console must stay free of errors');
  }
}

/** Drops the errors matching `pattern` a test caused on purpose (e.g. a refused save's 400), keeping the others for the check. */
export function dropExpectedErrors(watched: WatchedPage, pattern: RegExp): void {
  watched.errors.splice(0, watched.errors.length, ...watched.errors.filter((e) => !pattern.test(e)));
}

/** Closes the browser, stops the server and removes the containers, networks and volumes of these projects. */
export async function closeConsole(browser: Browser | undefined, slipway: SlipwayProcess | undefined, projectIds: ReadonlyArray<string | undefined>): Promise<void> {
  await browser?.close();
  await slipway?.dispose();
  await cleanupProjects(projectIds.filter((id): id is string => Boolean(id)));
}

/**
 * Creates the container service `web` from testImages.appV1 (reachable and ready as
 * APP_PORT_AND_READINESS says, with these env vars) and deploys it; fails unless the deploy
 * succeeds. Answers the service's id and the successful deployment's id.
 */
export async function deployWebService(api: SlipwayApi, environmentId: string, env: Array<{ key: string; value: string }>): Promise<{ webId: string; deploymentId: string }> {
  const web = await api.createService(environmentId, {
    name: 'web',
    type: 'container',
    source: { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } },
    settings: { env, ...APP_PORT_AND_READINESS },
  });
  const deployed = await api.waitForDeployment((await api.act(web.id, 'deploy')).deploymentId, DEPLOY_MS);
  assert.equal(deployed.status, 'SUCCESS');
  return { webId: web.id, deploymentId: deployed.id };
}

/** The row of a service in the environment page's services table. */
export function serviceRow(page: Page, name: string) {
  return page.locator(`tr[data-service="${name}"]`);
}

/** Waits until the service's row shows this deployment status, without reloading the page. */
export async function waitForServiceStatus(page: Page, name: string, status: string, timeout = DEPLOY_MS): Promise<void> {
  await serviceRow(page, name).locator(`[data-testid="service-status"] [data-status="${status}"]`).waitFor({ timeout });
}

/** Opens the Play menu of a service or an environment and answers it once its items show. */
export async function openPlayMenu(page: Page, name: string, level: 'service' | 'environment') {
  await page.getByRole('button', { name: `Play actions for ${level} ${name}` }).click();
  const menu = page.getByRole('menu', { name: `Actions for ${name}` });
  await menu.getByRole('menuitem').first().waitFor({ timeout: UI_MS });
  return menu;
}
