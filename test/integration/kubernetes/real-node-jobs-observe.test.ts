import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InstanceLogLine } from '../../../src/runtime/runtime.js';
import type { KubeFixture } from './fixture.js';
import { realEnvironment, realNodeFixture, REAL_NODE, webSettings } from './real-node.js';

/**
 * Jobs, instances and logs whose containers really run (on the real node): a job's output is
 * its container's real output, read through the pod log API that KWOK's nodes cannot serve.
 */
describe('kubernetes on a real node: jobs, instances, logs', () => {
  let f: KubeFixture;
  before(async () => (f = await realNodeFixture()));
  after(async () => f?.close());

  async function deploymentLog(deploymentId: string): Promise<string[]> {
    return (await f.store.readLogs(deploymentId, 0, 10_000)).map((l) => l.message);
  }

  async function runtimeLogs(serviceId: string): Promise<InstanceLogLine[]> {
    const lines: InstanceLogLine[] = [];
    for await (const line of await f.engine.logs(serviceId, { follow: false, tail: 100, signal: AbortSignal.timeout(20_000) })) lines.push(line);
    return lines;
  }

  test('a lifecycle job runs its container: its output is in the deployment log; a failing one shows its exit code', async () => {
    const env = await realEnvironment(f);
    const ok = await f.job(env, 'migrate', { command: ['sh', '-c', 'echo "migrated $MODE rows"; echo "a warning" >&2'] }, { env: [{ key: 'MODE', value: 'all', secret: false }] });
    const run = await f.run(env, 'DEPLOY', { serviceId: ok }, 180_000);
    assert.equal(run.status, 'SUCCESS', run.message ?? '');
    const log = await deploymentLog(run.id);
    assert.ok(log.includes('migrated all rows'), `the container's stdout is in the log:\n${log.join('\n')}`);
    assert.ok(log.includes('a warning'), 'and its stderr');

    const failing = await f.job(env, 'fails', { command: ['sh', '-c', 'echo "giving up"; exit 3'] });
    const failed = await f.run(env, 'DEPLOY', { serviceId: failing }, 180_000);
    assert.equal(failed.status, 'ERROR');
    assert.equal(await f.status(failing), 'DEPLOYMENT_ERROR');
    const failedLog = await deploymentLog(failed.id);
    assert.ok(failedLog.includes('giving up'), failedLog.join('\n'));
    const said = [(await f.store.getService(failing))!.statusMessage ?? '', ...failedLog].join('\n');
    assert.match(said, /exit(ed)?( with)?( code)? 3|code 3/i, 'the exit code is shown');
  });

  test('a cron job runs on its schedule in a real container; its output is in the runtime logs', async (t) => {
    const env = await realEnvironment(f);
    const cron = await f.job(env, 'tick', { jobType: 'cron', schedule: '* * * * *', command: ['sh', '-c', 'echo "tick ran"; sleep 30'], maxDurationSeconds: 120 });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: cron }, 60_000)).status, 'SUCCESS');
    // The next minute's run (at most ~70 s away), while its container still runs.
    let lines: InstanceLogLine[] = [];
    await f.until('the scheduled run to print', async () => {
      const running = (await f.engine.instances(cron)).filter((i) => i.state === 'RUNNING');
      if (running.length === 0) return false;
      lines = await runtimeLogs(cron);
      return lines.some((l) => l.line === 'tick ran');
    }, 100_000);
    t.diagnostic(`run pod ${lines[0]?.instance}: ${lines.map((l) => l.line).join(' | ')}`);
    assert.equal((await f.run(env, 'STOP', { serviceId: cron }, 60_000)).status, 'SUCCESS');
  });

  test('instances come from the pods on the real node; logs from the pod log API', async () => {
    const env = await realEnvironment(f);
    const web = await f.container(env, 'web', webSettings({ instances: 2, command: ['sh', '-c', 'echo "hello from $HOSTNAME"; exec /entrypoint.sh'] }));
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web }, 180_000)).status, 'SUCCESS');

    const pods = await f.pods(web);
    const instances = await f.engine.instances(web);
    assert.equal(instances.length, 2);
    assert.deepEqual(instances.map((i) => i.id).sort(), pods.map((p) => p.metadata!.name!).sort());
    for (const instance of instances) {
      assert.equal(instance.node, REAL_NODE);
      assert.equal(instance.ready, true);
      assert.equal(instance.state, 'RUNNING');
      assert.equal(instance.restarts, 0);
    }

    const lines = await runtimeLogs(web);
    for (const instance of instances) {
      const own = lines.filter((l) => l.instance === instance.id);
      assert.deepEqual(own.map((l) => l.line), [`hello from ${instance.id}`], `${instance.id}'s own output`);
      assert.ok(Number.isFinite(Date.parse(own[0]!.ts)), 'with the kubelet timestamp');
    }
  });
});
