import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { WEBHOOK_DELIVERY_RETENTION_MS } from '../../src/store/webhook-deliveries.js';
import { postgresBackend, sqliteBackend, type StoreBackend } from './store-backends.js';

/** Webhook deliveries seen (migration 0004): a replay is known to every store on the database, for 7 days. */

const backends: Array<[string, () => Promise<StoreBackend>]> = [
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
];

for (const [name, open] of backends) {
  describe(`webhook deliveries (${name})`, () => {
    let backend: StoreBackend;
    let store: Store;

    before(async () => {
      backend = await open();
      store = await backend.openStore();
    });

    after(async () => {
      await backend?.dispose();
    });

    it('records a delivery once; another store on the same database sees the replay', async () => {
      assert.equal(await store.recordWebhookDelivery(['github:delivery:1', 'github:body:abc']), true);
      assert.equal(await store.recordWebhookDelivery(['github:delivery:1']), false);
      const other = await backend.openStore();
      assert.equal(await other.recordWebhookDelivery(['github:delivery:2', 'github:body:abc']), false, 'the body was seen');
      assert.equal(await other.recordWebhookDelivery(['gitlab:delivery:1']), true);
    });

    it('two stores recording the same delivery at once: exactly one wins', async () => {
      const other = await backend.openStore();
      const results = await Promise.all([store.recordWebhookDelivery(['race:1']), other.recordWebhookDelivery(['race:1'])]);
      assert.deepEqual(results.sort(), [false, true]);
    });

    it('a forgotten delivery acts again; deliveries older than the retention are pruned', async () => {
      assert.equal(await store.recordWebhookDelivery(['failed:1']), true);
      await store.forgetWebhookDelivery(['failed:1']);
      assert.equal(await store.recordWebhookDelivery(['failed:1']), true);
      backend.advanceClock(WEBHOOK_DELIVERY_RETENTION_MS + 60_000);
      assert.equal(await store.recordWebhookDelivery(['fresh:1']), true);
      const rows = await backend.rawRows('select id from webhook_deliveries order by id');
      assert.deepEqual(rows.map((r) => r.id), ['fresh:1']);
    });
  });
}
