import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeFixture } from './fixture.js';
import { getOnce, realEnvironment, realNodeFixture, webSettings } from './real-node.js';

/**
 * A service with storage on the real node: a StatefulSet whose claim binds one of the test
 * cluster's static hostPath volumes (scripts/k8s/up.sh). What its container wrote is there
 * again after Stop and Redeploy. Each start appends a line to /data/rows.txt, which the test
 * app serves as /data/rows.txt.
 */
describe('kubernetes on a real node: storage', () => {
  let f: KubeFixture;
  before(async () => (f = await realNodeFixture()));
  after(async () => f?.close());

  async function rows(url: string): Promise<string> {
    let text = '';
    await f.until('the rows to be served', async () => {
      const answer = await getOnce(`${url}/data/rows.txt`);
      if (!('status' in answer) || answer.status !== 200) return false;
      text = answer.body;
      return true;
    }, 30_000);
    return text;
  }

  test('what the container wrote to its volume is there after Stop and Redeploy', async () => {
    const env = await realEnvironment(f);
    const keeper = await f.container(env, 'keeper', webSettings({
      storage: [{ mountPath: '/data', sizeGb: 1 }],
      command: ['sh', '-c', 'echo "started $(date +%s) $RANDOM" >> /data/rows.txt; exec /entrypoint.sh'],
    }));
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: keeper }, 180_000)).status, 'SUCCESS');
    assert.ok(await f.statefulSet(keeper), 'storage makes a StatefulSet');
    const [endpoint] = await f.engine.endpoints(keeper);
    assert.ok(endpoint);
    const first = await rows(endpoint.url);
    assert.match(first, /started \d+ \d+\n$/);

    assert.equal((await f.run(env, 'STOP', { serviceId: keeper }, 120_000)).status, 'SUCCESS');
    assert.equal((await f.pods(keeper)).length, 0);
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: keeper }, 180_000)).status, 'SUCCESS');
    const second = await rows(endpoint.url);
    assert.ok(second.startsWith(first), `the earlier rows are kept:\n${first}---\n${second}`);
    assert.equal(second.split('\n').length, first.split('\n').length + 1, 'and the new start added one');
  });
});
