import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WEBHOOK_DELIVERY_RETENTION_MS } from '../../src/store/webhook-deliveries.js';
import { describeOnEachBackend } from './store-backends.js';

/** Webhook deliveries seen (migration 0004): a replay is known to every store on the database, for 7 days. */

describeOnEachBackend('webhook deliveries', (s) => {

  it('records a delivery once; another store on the same database sees the replay', async () => {
    assert.equal(await s.store.recordWebhookDelivery(['github:delivery:1', 'github:body:abc']), true);
    assert.equal(await s.store.recordWebhookDelivery(['github:delivery:1']), false);
    const other = await s.backend.openStore();
    assert.equal(await other.recordWebhookDelivery(['github:delivery:2', 'github:body:abc']), false, 'the body was seen');
    assert.equal(await other.recordWebhookDelivery(['gitlab:delivery:1']), true);
  });

  it('two stores recording the same delivery at once: exactly one wins', async () => {
    const other = await s.backend.openStore();
    const results = await Promise.all([s.store.recordWebhookDelivery(['race:1']), other.recordWebhookDelivery(['race:1'])]);
    assert.deepEqual(results.sort(), [false, true]);
  });

  it('a forgotten delivery acts again; deliveries older than the retention are pruned', async () => {
    assert.equal(await s.store.recordWebhookDelivery(['failed:1']), true);
    await s.store.forgetWebhookDelivery(['failed:1']);
    assert.equal(await s.store.recordWebhookDelivery(['failed:1']), true);
    s.backend.advanceClock(WEBHOOK_DELIVERY_RETENTION_MS + 60_000);
    assert.equal(await s.store.recordWebhookDelivery(['fresh:1']), true);
    const rows = await s.backend.rawRows('select id from webhook_deliveries order by id');
    assert.deepEqual(rows.map((r) => r.id), ['fresh:1']);
  });
});
