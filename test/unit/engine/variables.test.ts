import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { configDigest, pendingChanges, variablesReaching } from '../../../src/domain/index.js';
import type { SubmitInput } from '../../../src/engine/control-plane.js';
import { EngineFixture } from '../../support/engine-fixture.js';

/** Shared variables through the engine (docs/teams.md#variables): deployed, pending when changed, applied by the next Redeploy. */

function action(environmentId: string, a: SubmitInput['action'], extra: Partial<SubmitInput> = {}): SubmitInput {
  return { environmentId, action: a, origin: 'API', triggeredBy: 'test', queue: true, ...extra };
}

describe('engine: shared variables', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  async function pending(serviceId: string): Promise<string[]> {
    const service = (await f.store.getService(serviceId))!;
    const environment = (await f.store.getEnvironment(service.environmentId))!;
    return pendingChanges(service, variablesReaching(service, await f.store.scopedVariables(environment))).pendingFields;
  }

  /** Whether the config digest the deploy recorded is the one a read computes now (a read then skips the deployed spec). */
  async function digestsAgree(serviceId: string): Promise<boolean> {
    const service = (await f.store.getService(serviceId))!;
    const environment = (await f.store.getEnvironment(service.environmentId))!;
    const now = configDigest({ source: service.source, settings: service.settings, variables: variablesReaching(service, await f.store.scopedVariables(environment)) });
    return service.deployedConfigDigest !== null && service.deployedConfigDigest === now;
  }

  test('a deploy gets them; a change is pending and the next Redeploy applies it; a Redeploy without change touches nothing', async () => {
    const envId = await f.environment();
    const env = (await f.store.getEnvironment(envId))!;
    const web = await f.container(envId, 'web', { env: [{ key: 'OWN', value: 'mine', secret: false }] });
    await f.store.replaceVariables({ projectId: env.projectId }, [
      { key: 'LOG', value: 'info', secret: false },
      { key: 'OWN', value: 'shadowed', secret: false },
    ]);
    await f.store.replaceVariables({ environmentId: envId }, [{ key: 'API_KEY', value: 'first-api-key', secret: true }]);

    const deploy = await f.engine.submit(action(envId, 'DEPLOY', { serviceId: web }));
    assert.equal((await f.finished(deploy.deploymentId)).status, 'SUCCESS');
    const spec = f.runtime.running.get(web)!;
    assert.deepEqual({ LOG: spec.env.LOG, OWN: spec.env.OWN, API_KEY: spec.env.API_KEY }, { LOG: 'info', OWN: 'mine', API_KEY: 'first-api-key' });
    assert.ok(spec.secretEnvKeys?.includes('API_KEY'), 'a secret variable is a secret of the rollout');
    assert.deepEqual(await pending(web), []);
    assert.ok(await digestsAgree(web), 'the deploy recorded the config digest a read computes');

    const deploysBefore = f.runtime.callsOf('deploy').length;
    const unchanged = await f.engine.submit(action(envId, 'REDEPLOY', { serviceId: web }));
    assert.equal((await f.finished(unchanged.deploymentId)).status, 'SUCCESS');
    assert.equal(f.runtime.callsOf('deploy').length, deploysBefore, 'no change: no rollout');

    await f.store.replaceVariables({ environmentId: envId }, [{ key: 'API_KEY', value: 'second-api-key', secret: true }]);
    assert.deepEqual(await pending(web), ['variables']);
    assert.ok(!(await digestsAgree(web)));
    const redeploy = await f.engine.submit(action(envId, 'REDEPLOY', { serviceId: web }));
    assert.equal((await f.finished(redeploy.deploymentId)).status, 'SUCCESS');
    assert.equal(f.runtime.callsOf('deploy').length, deploysBefore + 1);
    assert.equal(f.runtime.running.get(web)!.env.API_KEY, 'second-api-key');
    assert.deepEqual(await pending(web), []);
    assert.ok(await digestsAgree(web));

    const logs = (await f.store.readLogs(redeploy.deploymentId)).map((l) => l.message).join('\n');
    assert.ok(!logs.includes('second-api-key') && !logs.includes('first-api-key'), 'no secret variable in the deployment log');
  });

  test('a variable its own env overrides changes nothing pending for it', async () => {
    const envId = await f.environment();
    const env = (await f.store.getEnvironment(envId))!;
    const web = await f.container(envId, 'web', { env: [{ key: 'LOG', value: 'own', secret: false }] });
    await f.finished((await f.engine.submit(action(envId, 'DEPLOY', { serviceId: web }))).deploymentId);
    await f.store.replaceVariables({ projectId: env.projectId }, [{ key: 'LOG', value: 'info', secret: false }]);
    assert.deepEqual(await pending(web), []);
  });
});
