import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SERVICE_SETTINGS, pendingChanges, type JobSource } from '../../../src/domain/index.js';
import type { SubmitInput } from '../../../src/engine/control-plane.js';
import { EngineFixture } from '../../support/engine-fixture.js';

function action(environmentId: string, a: SubmitInput['action'], extra: Partial<SubmitInput> = {}): SubmitInput {
  return { environmentId, action: a, origin: 'API', triggeredBy: 'test', queue: true, ...extra };
}

/** The spec as stored: JSON has no `undefined` fields. */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/**
 * docs/actions.md#restart-runs-the-deployed-spec: Restart replaces instances with the spec deployed
 * now; edits wait for a Redeploy.
 */
describe('engine: Restart runs the deployed spec', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  async function run(env: string, a: SubmitInput['action'], serviceId: string): Promise<void> {
    assert.equal((await f.finished((await f.engine.submit(action(env, a, { serviceId }))).deploymentId)).status, 'SUCCESS');
  }

  test('after editing env and instances, Restart hands the runtime the deployed spec; Redeploy then applies the edits', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', {
      instances: 2,
      env: [
        { key: 'GREETING', value: 'hello', secret: false },
        { key: 'TOKEN', value: 'deployed-secret', secret: true },
      ],
    });
    await run(env, 'DEPLOY', web);
    const deployed = f.runtime.running.get(web)!;
    const service = (await f.store.getService(web))!;
    await f.store.updateService(web, {
      settings: {
        ...service.settings,
        instances: 3,
        env: [
          { key: 'GREETING', value: 'edited', secret: false },
          { key: 'TOKEN', value: 'edited-secret', secret: true },
        ],
      },
    });

    await run(env, 'RESTART', web);
    const restarted = f.runtime.restarts.filter((r) => r.serviceName === 'web').at(-1)!.spec;
    assert.deepEqual(asJson(restarted), asJson(deployed), 'the spec handed to restart is the one deployed');
    assert.equal(restarted.instances, 2);
    assert.equal(restarted.env.GREETING, 'hello');
    assert.equal(restarted.env.TOKEN, 'deployed-secret');
    const afterRestart = (await f.store.getService(web))!;
    assert.equal(afterRestart.status, 'RESTARTED');
    assert.equal(afterRestart.deployedSpecHash, deployed.specHash);
    assert.deepEqual(pendingChanges(afterRestart).pendingFields, ['env', 'instances'], 'the edits still wait');

    await run(env, 'REDEPLOY', web);
    const redeployed = f.runtime.running.get(web)!;
    assert.equal(redeployed.instances, 3);
    assert.equal(redeployed.env.GREETING, 'edited');
    assert.equal(redeployed.env.TOKEN, 'edited-secret');
    assert.deepEqual(pendingChanges((await f.store.getService(web))!), { pendingChanges: false, pendingFields: [] });

    await run(env, 'RESTART', web);
    assert.deepEqual(asJson(f.runtime.restarts.filter((r) => r.serviceName === 'web').at(-1)!.spec), asJson(redeployed));
  });

  test('a source edited since the deploy (image name and tag) is not restarted either', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'tagged');
    await run(env, 'DEPLOY', web);
    await f.store.updateService(web, { source: { image: { name: 'registry.test/renamed', tag: 'v9' } } });
    await run(env, 'RESTART', web);
    const restarted = f.runtime.restarts.filter((r) => r.serviceName === 'tagged').at(-1)!.spec;
    assert.equal(restarted.version, 'v1');
    assert.equal(restarted.image, 'sha256:registry.test/tagged:v1');
  });

  test('a service deployed before Slipway kept its deployed spec still restarts (from its settings, as before)', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'legacy', { instances: 2 });
    await run(env, 'DEPLOY', web);
    const service = (await f.store.getService(web))!;
    // What a row deployed before migration 0003 looks like.
    await f.store.setDeployedState(web, { deployedVersion: service.deployedVersion, deployedSpecHash: service.deployedSpecHash, deployedSpec: null });
    await run(env, 'RESTART', web);
    const restarted = f.runtime.restarts.filter((r) => r.serviceName === 'legacy').at(-1)!.spec;
    assert.equal(restarted.instances, 2);
    assert.equal(restarted.version, 'v1');
    assert.equal(await f.status(web), 'RESTARTED');
  });

  test('a lifecycle job restarts (runs its start job again) with its deployed env and command', async () => {
    const env = await f.environment();
    const source: JobSource = {
      jobType: 'lifecycle',
      events: ['start'],
      source: { image: { name: 'registry.test/migrate', tag: 'v1' } },
      command: ['migrate', 'up'],
      maxDurationSeconds: 60,
      maxRestarts: 0,
    };
    const settings = { ...DEFAULT_SERVICE_SETTINGS, env: [{ key: 'MODE', value: 'deployed', secret: false }] };
    const migrate = (await f.store.createService({ environmentId: env, name: 'migrate', type: 'job', source, settings })).id;
    await run(env, 'DEPLOY', migrate);
    await f.store.updateService(migrate, { source: { ...source, command: ['migrate', 'down'] }, settings: { ...settings, env: [{ key: 'MODE', value: 'edited', secret: false }] } });
    await run(env, 'RESTART', migrate);
    const last = f.runtime.jobRuns.filter((r) => r.serviceName === 'migrate').at(-1)!.spec;
    assert.deepEqual(last.command, ['migrate', 'up']);
    assert.equal(last.env.MODE, 'deployed');
  });

  test('a cron job restarts with its deployed schedule spec, not the command edited since', async () => {
    const env = await f.environment();
    const source: JobSource = {
      jobType: 'cron',
      schedule: '0 0 * * *',
      source: { image: { name: 'registry.test/nightly', tag: 'v1' } },
      command: ['report', '--daily'],
      maxDurationSeconds: 60,
      maxRestarts: 0,
    };
    const cron = (await f.store.createService({ environmentId: env, name: 'nightly', type: 'job', source, settings: DEFAULT_SERVICE_SETTINGS })).id;
    await run(env, 'DEPLOY', cron);
    const deployedHash = (await f.store.getService(cron))!.deployedSpecHash;
    await f.store.updateService(cron, { source: { ...source, command: ['report', '--edited'] } });
    await run(env, 'RESTART', cron);
    assert.equal(f.engine.scheduler.installedSpecHash(cron), deployedHash);
    assert.equal((await f.store.getService(cron))!.deployedSpecHash, deployedHash);
    assert.deepEqual(pendingChanges((await f.store.getService(cron))!).pendingFields, ['source']);
  });
});
