import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { SlipwayApi } from '../../support/api-client.js';
import type { SlipwayProcess } from '../../support/slipway-process.js';
import type { WatchedPage } from './browser.js';
import { UI_MS, assertNoBrowserErrors, closeConsole, openSignedInBrowser, startConsoleServer } from './console-session.js';

/**
 * Previews in the console's project list (docs/teams.md#preview-environments), in a real browser
 * against a real `slipway server`: a preview made by a signed pull request event shows in the
 * project's "Previews" group with its pull request, apart from the other environments; a deleted
 * blueprint shows as the project's previews problem. The blueprint has no services: nothing runs.
 */

const EDGE_PORTS = '26600-26609';

let slipway: SlipwayProcess;
let api: SlipwayApi;
let browser: Browser;
let main: WatchedPage;
let page: Page;
let projectId: string;

describe('console: previews under their project', { timeout: 300_000 }, () => {
  before(async () => {
    ({ slipway, api } = await startConsoleServer({ edgePorts: EDGE_PORTS, name: 'console-previews' }));
    const project = await api.expect<{ id: string; webhookSecret: string }>(201, 'POST', '/projects', { name: 'shop' });
    projectId = project.id;
    const blueprint = await api.createEnvironment(projectId, 'staging');
    await api.expect(200, 'PATCH', `/projects/${projectId}`, { previews: { blueprintEnvironmentId: blueprint.id } });
    const repository = { full_name: 'team/shop', clone_url: 'https://git.example.test/team/shop.git' };
    const body = JSON.stringify({
      action: 'opened',
      number: 5,
      pull_request: { html_url: 'https://git.example.test/team/shop/pull/5', updated_at: '2026-01-01T10:00:00Z', head: { ref: 'feature', sha: 'e'.repeat(40), repo: repository }, base: { ref: 'main', repo: repository } },
      repository,
    });
    const res = await fetch(`${slipway.url}/api/v1/webhooks/git/${projectId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', project.webhookSecret).update(body).digest('hex')}`,
      },
      body,
    });
    assert.equal(res.status, 202, await res.text());
    ({ browser, main, page } = await openSignedInBrowser(slipway));
  });

  afterEach(() => assertNoBrowserErrors(main));

  after(() => closeConsole(browser, slipway, [projectId]));

  it('lists the preview in the Previews group with its pull request; a deleted blueprint shows as a problem', async () => {
    const previews = page.getByLabel('Previews of shop');
    await previews.locator('li[data-environment="pr-5"]').waitFor({ timeout: UI_MS });
    const link = previews.getByRole('link', { name: '#5 feature' });
    assert.equal(await link.getAttribute('href'), 'https://git.example.test/team/shop/pull/5');
    // The blueprint stays with the other environments, outside the group.
    assert.equal(await previews.locator('li[data-environment="staging"]').count(), 0);
    assert.equal(await page.locator('li[data-environment="staging"]').count(), 1);

    const staging = (await api.expect<{ items: Array<{ id: string; name: string }> }>(200, 'GET', `/projects/${projectId}/environments`)).items.find((e) => e.name === 'staging')!;
    await api.expect(202, 'DELETE', `/environments/${staging.id}`);
    // The Delete is queued: the page is read again once it is done (bounded: 60 s).
    for (const deadline = Date.now() + 60_000; (await api.call('GET', `/environments/${staging.id}`)).status !== 404; ) {
      assert.ok(Date.now() < deadline, 'the blueprint environment was not deleted within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await page.reload();
    await page.getByText(/Previews: the blueprint environment .* was deleted/).waitFor({ timeout: UI_MS });
  });
});
