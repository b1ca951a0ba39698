import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (no browser download), with the flags this
 * machine's closed network needs. Every page records console errors and uncaught exceptions, so
 * that a test can fail on any of them.
 */

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * README's screenshots are refreshed only when asked (SLIPWAY_UPDATE_SCREENSHOTS=1); otherwise
 * they go to a temporary folder, so a test run never changes tracked files.
 */
export const SCREENSHOTS = process.env.SLIPWAY_UPDATE_SCREENSHOTS === '1' ? join(REPO, 'docs/screenshots') : join(tmpdir(), 'slipway-screenshots');
const CHROMIUM = process.env.SLIPWAY_TEST_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
}

/** A new context (its own storage) and page; console errors and uncaught exceptions are collected. */
export async function openPage(browser: Browser, options: { width?: number; height?: number } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  // Let animations (the pulsing in-progress dot) not matter, and the caret not show.
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage, animations: 'disabled', caret: 'hide' });
}

/** Signs in on the console at baseUrl with this token, then waits for the projects page. */
export async function signIn(page: Page, baseUrl: string, token: string, timeoutMs = 15_000): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor({ timeout: timeoutMs });
}
