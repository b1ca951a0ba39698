import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { environmentStatus } from '../../../src/domain/index.js';
import { ActionNotAvailableError, EnvironmentBusyError, type SubmitInput } from '../../../src/engine/control-plane.js';
import { EngineFixture } from '../../support/engine-fixture.js';

function action(environmentId: string, a: SubmitInput['action'], extra: Partial<SubmitInput> = {}): SubmitInput {
  return { environmentId, action: a, origin: 'API', triggeredBy: 'test', queue: true, ...extra };
}

describe('engine: service actions', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  test('Deploy moves a service QUEUED → DEPLOYING → DEPLOYED and records the steps', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    const result = await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }));
    assert.equal(result.position, 0);
    assert.equal(result.merged, false);
    const done = await f.finished(result.deploymentId);
    assert.equal(done.status, 'SUCCESS');
    assert.deepEqual(f.statusPath(web), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
    const service = (await f.store.getService(web))!;
    assert.equal(service.deployedVersion, 'v1');
    const detail = (await f.store.getDeploymentDetail(result.deploymentId))!;
    const steps = detail.stages[0]!.services[0]!.steps.map((s) => `${s.name}:${s.status}`);
    assert.deepEqual(steps, ['QUEUEING:SUCCESS', 'DEPLOY:SUCCESS']);
  });

  test('Redeploy without changes touches no instance and says "no changes"', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
    const deploysBefore = f.runtime.callsOf('deploy').length;
    const redeploy = await f.engine.submit(action(env, 'REDEPLOY', { serviceId: web }));
    assert.equal((await f.finished(redeploy.deploymentId)).status, 'SUCCESS');
    assert.equal(f.runtime.callsOf('deploy').length, deploysBefore, 'runtime.deploy must not be called');
    assert.equal(f.runtime.callsOf('restart').length, 0);
    const detail = (await f.store.getDeploymentDetail(redeploy.deploymentId))!;
    const deployStep = detail.stages[0]!.services[0]!.steps.find((s) => s.name === 'DEPLOY')!;
    assert.equal(deployStep.message, 'no changes');
    assert.equal(await f.status(web), 'DEPLOYED');
  });

  test('Redeploy without changes, the image known without a pull: QUEUED straight to DEPLOYED, never DEPLOYING', async () => {
    const known = await EngineFixture.create();
    try {
      known.runtime.knowCurrentImages();
      const env = await known.environment();
      const web = await known.container(env, 'web');
      await known.finished((await known.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
      assert.deepEqual(known.statusPath(web), ['QUEUED', 'DEPLOYING', 'DEPLOYED'], 'a first deploy rolls out');
      const redeploy = await known.engine.submit(action(env, 'REDEPLOY', { serviceId: web }));
      assert.equal((await known.finished(redeploy.deploymentId)).status, 'SUCCESS');
      assert.deepEqual(known.statusPath(web).slice(3), ['QUEUED', 'DEPLOYED']);
      const detail = (await known.store.getDeploymentDetail(redeploy.deploymentId))!;
      const steps = detail.stages[0]!.services[0]!.steps.map((s) => `${s.name}:${s.status}:${s.message ?? ''}`);
      assert.deepEqual(steps, ['QUEUEING:SUCCESS:', 'DEPLOY:SUCCESS:no changes']);
      assert.equal((await known.store.getService(web))!.statusMessage, 'no changes');
    } finally {
      await known.close();
    }
  });

  test('Redeploy without changes when only a pull can tell the image: DEPLOYING while it resolves, then "no changes"', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
    const resolvesBefore = f.runtime.callsOf('resolveImage').length;
    const redeploy = await f.engine.submit(action(env, 'REDEPLOY', { serviceId: web }));
    assert.equal((await f.finished(redeploy.deploymentId)).status, 'SUCCESS');
    assert.equal(f.runtime.callsOf('resolveImage').length - resolvesBefore, 1, 'the image was resolved (pulled) again');
    assert.deepEqual(f.statusPath(web).slice(3), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
    assert.equal((await f.store.getService(web))!.statusMessage, 'no changes');
  });

  test('Redeploy while the registry does not answer keeps the digest deployed: still no changes', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    const original = f.runtime.resolveImage.bind(f.runtime);
    // A runtime that resolves by digest, then falls back to the tag (as kubernetes does when the registry is down).
    let registryUp = true;
    f.runtime.resolveImage = async (image) => {
      await original(image);
      return registryUp ? `${image.name}@sha256:${'a'.repeat(64)}` : `${image.name}:${image.tag}`;
    };
    try {
      await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
      const deploysBefore = f.runtime.callsOf('deploy').length;
      registryUp = false;
      const redeploy = await f.engine.submit(action(env, 'REDEPLOY', { serviceId: web }));
      assert.equal((await f.finished(redeploy.deploymentId)).status, 'SUCCESS');
      assert.equal(f.runtime.callsOf('deploy').length, deploysBefore, 'no rollout by tag');
      const detail = (await f.store.getDeploymentDetail(redeploy.deploymentId))!;
      assert.equal(detail.stages[0]!.services[0]!.steps.find((s) => s.name === 'DEPLOY')!.message, 'no changes');
      assert.match((await f.store.getService(web))!.deployedSpec?.rollout?.image ?? '', /@sha256:a{64}$/);
    } finally {
      f.runtime.resolveImage = original;
    }
  });

  test('Redeploy without changes leaves the recorded deploy as it is; after a settings edit it records the new one', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
    const recorded = (await f.store.getService(web))!;
    assert.ok(recorded.deployedSpecDigest, 'the deploy recorded its spec digest');
    // A deploy's record joins the journal's batched writes.
    const writes: string[] = [];
    const writeJournal = f.store.writeJournal.bind(f.store);
    f.store.writeJournal = async (journal) => {
      writes.push(...journal.deployedStates.map((w) => w.serviceId));
      return writeJournal(journal);
    };
    try {
      await f.finished((await f.engine.submit(action(env, 'REDEPLOY', { serviceId: web }))).deploymentId);
      assert.deepEqual(writes, [], 'nothing to record: the service records this very deploy');
      // Domains are not part of the spec hash: nothing to roll out, but a new deploy to record.
      await f.store.updateService(web, { settings: { ...recorded.settings, domains: [{ host: 'web.example.test' }] } });
      const deploysBefore = f.runtime.callsOf('deploy').length;
      await f.finished((await f.engine.submit(action(env, 'REDEPLOY', { serviceId: web }))).deploymentId);
      assert.equal(f.runtime.callsOf('deploy').length, deploysBefore, 'no rollout');
      assert.deepEqual(writes, [web], 'the edited settings are recorded');
    } finally {
      f.store.writeJournal = writeJournal;
    }
    const after = (await f.store.getService(web))!;
    assert.notEqual(after.deployedSpecDigest, recorded.deployedSpecDigest);
    assert.deepEqual(after.deployedSpec?.settings.domains, [{ host: 'web.example.test' }]);
    assert.equal(await f.status(web), 'DEPLOYED');
  });

  test('an environment Redeploy without changes reads what runs once for the environment, not per service', async () => {
    const env = await f.environment();
    for (const name of ['a', 'b', 'c']) await f.container(env, name);
    await f.finished((await f.engine.submit(action(env, 'DEPLOY'))).deploymentId);
    const readsBefore = f.runtime.callsOf('runningSpecHashes').length;
    const deploysBefore = f.runtime.callsOf('deploy').length;
    const redeploy = await f.engine.submit(action(env, 'REDEPLOY'));
    assert.equal((await f.finished(redeploy.deploymentId)).status, 'SUCCESS');
    assert.equal(f.runtime.callsOf('runningSpecHashes').length, readsBefore + 1);
    assert.equal(f.runtime.callsOf('deploy').length, deploysBefore, 'runtime.deploy must not be called');
  });

  test('Redeploy after a settings change rolls the new spec out', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
    const service = (await f.store.getService(web))!;
    await f.store.updateService(web, { settings: { ...service.settings, env: [{ key: 'GREETING', value: 'hi', secret: false }] } });
    const before = f.runtime.callsOf('deploy').length;
    await f.finished((await f.engine.submit(action(env, 'REDEPLOY', { serviceId: web }))).deploymentId);
    assert.equal(f.runtime.callsOf('deploy').length, before + 1);
    assert.equal(f.runtime.running.get(web)!.env.GREETING, 'hi');
  });

  test('a failed rollout ends DEPLOYMENT_ERROR with the reason, and the deployment ERROR', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    f.runtime.failDeploy.add('web');
    const result = await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }));
    const done = await f.finished(result.deploymentId);
    assert.equal(done.status, 'ERROR');
    const service = (await f.store.getService(web))!;
    assert.equal(service.status, 'DEPLOYMENT_ERROR');
    assert.match(service.statusMessage ?? '', /not ready/);
  });

  test('an unavailable action is refused with the current status and the reason', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    await assert.rejects(f.engine.submit(action(env, 'RESTART', { serviceId: web })), (err: unknown) => {
      assert.ok(err instanceof ActionNotAvailableError);
      assert.equal(err.details.status, 'READY');
      assert.match(err.details.reason, /never deployed: Restart needs a running deployment/);
      return true;
    });
    await assert.rejects(f.engine.submit(action(env, 'REDEPLOY', { serviceId: web })), ActionNotAvailableError);
  });

  test('Stop, Restart and Deploy other version follow their status paths', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
    await f.finished((await f.engine.submit(action(env, 'RESTART', { serviceId: web }))).deploymentId);
    assert.equal(await f.status(web), 'RESTARTED');
    await f.finished((await f.engine.submit(action(env, 'STOP', { serviceId: web }))).deploymentId);
    assert.equal(await f.status(web), 'STOPPED');
    const other = await f.engine.submit(action(env, 'DEPLOY_VERSION', { serviceId: web, version: 'v2' }));
    await f.finished(other.deploymentId);
    const service = (await f.store.getService(web))!;
    assert.equal(service.status, 'DEPLOYED');
    assert.equal(service.deployedVersion, 'v2');
    assert.equal(service.targetVersion, 'v2', 'Deploy other version pins the service');
    assert.deepEqual(f.statusPath(web), [
      'QUEUED', 'DEPLOYING', 'DEPLOYED',
      'RESTART_QUEUED', 'RESTARTING', 'RESTARTED',
      'STOP_QUEUED', 'STOPPING', 'STOPPED',
      'QUEUED', 'DEPLOYING', 'DEPLOYED',
    ]);
    // A later redeploy keeps the pinned version.
    await f.finished((await f.engine.submit(action(env, 'REDEPLOY', { serviceId: web }))).deploymentId);
    assert.equal((await f.store.getService(web))!.deployedVersion, 'v2');
  });

  test('whoever sees a service DEPLOYED or STOPPED sees what runs then: its running state was observed before the move', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    // The running state the engine serves at the moment each status is announced.
    const seen: string[] = [];
    const unsubscribe = f.engine.events.subscribe((e) => {
      if (e.type === 'service.status' && e.serviceId === web) seen.push(`${e.status}:${f.engine.runningState({ id: web, status: e.status }).status}`);
    });
    try {
      await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
      await f.finished((await f.engine.submit(action(env, 'STOP', { serviceId: web }))).deploymentId);
    } finally {
      unsubscribe();
    }
    assert.deepEqual(seen.filter((s) => s.startsWith('DEPLOYED') || s.startsWith('STOPPED')), ['DEPLOYED:RUNNING', 'STOPPED:STOPPED']);
  });

  test('the look at what runs after each action reads no service from the store: the deployment knows where they run', async () => {
    const env = await f.environment();
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) ids.push(await f.container(env, name));
    const store = f.store;
    const getService = store.getService;
    let reads = 0;
    store.getService = (id) => {
      reads++;
      return getService.call(store, id);
    };
    const observed = (): string[] => ids.map((id) => f.engine.runningState({ id, status: 'DEPLOYED' }).status);
    try {
      await f.finished((await f.engine.submit(action(env, 'DEPLOY'))).deploymentId);
      assert.deepEqual(observed(), ['RUNNING', 'RUNNING', 'RUNNING']);
      await f.finished((await f.engine.submit(action(env, 'STOP'))).deploymentId);
      assert.deepEqual(observed(), ['STOPPED', 'STOPPED', 'STOPPED']);
    } finally {
      store.getService = getService;
    }
    assert.equal(reads, 0);
  });

  test('a runtime that never answers the look at what runs does not hold the service: DEPLOYED after observeWaitMs', async () => {
    const silent = await EngineFixture.create({ observeWaitMs: 100 });
    try {
      silent.runtime.observe = () => new Promise(() => undefined);
      const env = await silent.environment();
      const web = await silent.container(env, 'web');
      const done = await silent.finished((await silent.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
      assert.equal(done.status, 'SUCCESS');
      assert.deepEqual(silent.statusPath(web), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
    } finally {
      await silent.close();
    }
  });

  test('Delete removes the service from the store and its history stays', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: web }))).deploymentId);
    const del = await f.engine.submit(action(env, 'DELETE', { serviceId: web }));
    assert.equal((await f.finished(del.deploymentId)).status, 'SUCCESS');
    assert.equal(await f.store.getService(web), undefined);
    assert.ok(await f.store.getDeploymentDetail(del.deploymentId));
    assert.deepEqual(f.runtime.callsOf('delete'), ['web']);
  });
});

describe('engine: environment actions and stages', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  test('environment Deploy runs databases before containers, Stop in reverse', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    const db = await f.database(env, 'db');
    await f.finished((await f.engine.submit(action(env, 'DEPLOY'))).deploymentId);
    assert.deepEqual(f.runtime.callsOf('deploy'), ['db', 'web']);
    await f.finished((await f.engine.submit(action(env, 'STOP'))).deploymentId);
    assert.deepEqual(f.runtime.callsOf('stop'), ['web', 'db']);
    assert.equal(await f.status(web), 'STOPPED');
    assert.equal(await f.status(db), 'STOPPED');
  });

  test('environment Redeploy deploys every service, stopped and never-deployed ones included', async () => {
    const env = await f.environment();
    const a = await f.container(env, 'a');
    await f.finished((await f.engine.submit(action(env, 'DEPLOY', { serviceId: a }))).deploymentId);
    await f.finished((await f.engine.submit(action(env, 'STOP', { serviceId: a }))).deploymentId);
    const b = await f.container(env, 'b');
    const result = await f.engine.submit(action(env, 'REDEPLOY'));
    assert.equal((await f.finished(result.deploymentId)).status, 'SUCCESS');
    assert.equal(await f.status(a), 'DEPLOYED');
    assert.equal(await f.status(b), 'DEPLOYED');
  });

  test('first error: the failed stage ends, later stages never start and end CANCELED', async () => {
    const env = await f.environment();
    const db = await f.database(env, 'failing-db');
    const web = await f.container(env, 'late-web');
    f.runtime.failDeploy.add('failing-db');
    const result = await f.engine.submit(action(env, 'DEPLOY'));
    const done = await f.finished(result.deploymentId);
    assert.equal(done.status, 'ERROR');
    assert.equal(await f.status(db), 'DEPLOYMENT_ERROR');
    const service = (await f.store.getService(web))!;
    assert.equal(service.status, 'CANCELED');
    assert.match(service.statusMessage ?? '', /failing-db failed/);
    assert.ok(!f.runtime.callsOf('deploy').includes('late-web'));
    const statuses = (await f.store.listServices(env)).map((s) => s.status);
    assert.equal(environmentStatus(statuses), 'DEPLOYMENT_ERROR');
  });

  test('within a stage, services deploy in parallel up to maxParallelDeploys', async () => {
    const env = await f.environment();
    const names = ['s1', 's2', 's3', 's4', 's5', 's6'];
    for (const n of names) await f.container(env, n);
    const holds = names.map((n) => f.runtime.hold(n));
    const result = await f.engine.submit(action(env, 'DEPLOY'));
    await f.until('4 rollouts to start', async () => {
      const detail = await f.store.getDeploymentDetail(result.deploymentId);
      return (detail?.stages[0]?.services.filter((s) => s.status === 'DEPLOYING').length ?? 0) === 4;
    });
    const detail = (await f.store.getDeploymentDetail(result.deploymentId))!;
    assert.equal(detail.stages[0]!.services.filter((s) => s.status === 'QUEUED').length, 2, 'two wait for a free slot');
    for (const h of holds) h.release();
    assert.equal((await f.finished(result.deploymentId)).status, 'SUCCESS');
  });
});

describe('engine: deploys that change nothing take no deploy slot', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  /** Six services deployed, then `changed` of them edited: their next deploy is a rollout. */
  async function sixDeployed(fixture: EngineFixture, changed: string[]): Promise<string> {
    const env = await fixture.environment(`slots-${Math.random().toString(36).slice(2, 8)}`);
    const ids = new Map<string, string>();
    for (const n of ['s1', 's2', 's3', 's4', 's5', 's6']) ids.set(n, await fixture.container(env, n));
    assert.equal((await fixture.finished((await fixture.engine.submit(action(env, 'DEPLOY'))).deploymentId)).status, 'SUCCESS');
    for (const n of changed) {
      const service = (await fixture.store.getService(ids.get(n)!))!;
      await fixture.store.updateService(service.id, { settings: { ...service.settings, env: [{ key: 'EDITED', value: n, secret: false }] } });
    }
    return env;
  }

  /** Statuses of the deployment's services by name, once `ready` holds for them. */
  async function statusesWhen(fixture: EngineFixture, deploymentId: string, what: string, ready: (byName: Map<string, string>) => boolean): Promise<Map<string, string>> {
    let byName = new Map<string, string>();
    await fixture.until(what, async () => {
      const detail = await fixture.store.getDeploymentDetail(deploymentId);
      byName = new Map((detail?.stages[0]?.services ?? []).map((s) => [s.name, s.status]));
      return ready(byName);
    });
    return byName;
  }

  test('with the image known without a pull, unchanged services finish while the changed ones hold every slot', async () => {
    f.runtime.knowCurrentImages();
    const env = await sixDeployed(f, ['s1', 's2', 's3', 's4', 's5']);
    const holds = ['s1', 's2', 's3', 's4', 's5'].map((n) => f.runtime.hold(n));
    const deploysBefore = f.runtime.callsOf('deploy').length;
    const redeploy = await f.engine.submit(action(env, 'REDEPLOY'));
    const seen = await statusesWhen(f, redeploy.deploymentId, 's6 DEPLOYED while 4 roll out', (s) => s.get('s6') === 'DEPLOYED' && [...s.values()].filter((v) => v === 'DEPLOYING').length === 4);
    // The bound still holds for the changed ones: the fifth waits for a slot.
    assert.deepEqual([...seen.values()].sort(), ['DEPLOYED', 'DEPLOYING', 'DEPLOYING', 'DEPLOYING', 'DEPLOYING', 'QUEUED']);
    for (const h of holds) h.release();
    assert.equal((await f.finished(redeploy.deploymentId)).status, 'SUCCESS');
    assert.equal(f.runtime.callsOf('deploy').length - deploysBefore, 5, 'one rollout per changed service, none for s6');
    const detail = (await f.store.getDeploymentDetail(redeploy.deploymentId))!;
    const s6 = detail.stages[0]!.services.find((s) => s.name === 's6')!;
    assert.equal(s6.steps.find((step) => step.name === 'DEPLOY')!.message, 'no changes');
    assert.equal(f.runtime.callsOf('resolveImage').length, 0, 'nothing pulled: the image was current');
  });

  test('a runtime that can tell an image only by pulling it: unchanged services wait for a slot like the others', async () => {
    const plain = await EngineFixture.create();
    try {
      const env = await sixDeployed(plain, ['s1', 's2', 's3', 's4']);
      const holds = ['s1', 's2', 's3', 's4'].map((n) => plain.runtime.hold(n));
      const redeploy = await plain.engine.submit(action(env, 'REDEPLOY'));
      const seen = await statusesWhen(plain, redeploy.deploymentId, '4 rollouts', (s) => [...s.values()].filter((v) => v === 'DEPLOYING').length === 4);
      assert.equal(seen.get('s5'), 'QUEUED');
      assert.equal(seen.get('s6'), 'QUEUED');
      for (const h of holds) h.release();
      assert.equal((await plain.finished(redeploy.deploymentId)).status, 'SUCCESS');
    } finally {
      await plain.close();
    }
  });
});

describe('engine: the queue', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  test('a request sent while another runs waits FIFO; a duplicate is merged; queue=false is refused', async () => {
    const env = await f.environment();
    const a = await f.container(env, 'a');
    const b = await f.container(env, 'b');
    const hold = f.runtime.hold('a');
    const first = await f.engine.submit(action(env, 'DEPLOY', { serviceId: a }));
    assert.equal(first.position, 0);
    await hold.started;
    const second = await f.engine.submit(action(env, 'DEPLOY', { serviceId: b }));
    assert.equal(second.position, 1);
    assert.equal(second.merged, false);
    const third = await f.engine.submit(action(env, 'REDEPLOY', { serviceId: a }));
    assert.equal(third.position, 2);
    const duplicate = await f.engine.submit(action(env, 'DEPLOY', { serviceId: b }));
    assert.equal(duplicate.merged, true);
    assert.equal(duplicate.requestId, second.requestId);
    assert.equal(duplicate.position, 1);
    await assert.rejects(f.engine.submit(action(env, 'DEPLOY', { serviceId: b, queue: false })), EnvironmentBusyError);
    // A waiting request changes no service's status.
    assert.equal(await f.status(b), 'READY');
    hold.release();
    const ends = await Promise.all([first, second, third].map((r) => f.finished(r.deploymentId)));
    assert.deepEqual(ends.map((d) => d.status), ['SUCCESS', 'SUCCESS', 'SUCCESS']);
    assert.ok(ends[0]!.endedAt! <= ends[1]!.startedAt! && ends[1]!.endedAt! <= ends[2]!.startedAt!, 'one at a time, in order');
  });

  test('a waiting request whose action is no longer available ends SKIPPED with the reason', async () => {
    const env = await f.environment();
    const a = await f.container(env, 'a');
    const hold = f.runtime.hold('a');
    const deploysBefore = f.runtime.callsOf('deploy').length;
    const first = await f.engine.submit(action(env, 'DEPLOY', { serviceId: a }));
    await hold.started;
    const again = await f.engine.submit(action(env, 'DEPLOY', { serviceId: a, triggeredBy: 'someone else' }));
    assert.equal(again.merged, false);
    hold.release();
    await f.finished(first.deploymentId);
    const skipped = await f.finished(again.deploymentId);
    assert.equal(skipped.status, 'SKIPPED');
    assert.match(skipped.message ?? '', /already deployed/);
    assert.equal(f.runtime.callsOf('deploy').length, deploysBefore + 1, 'the skipped request touched nothing');
  });

  test('a waiting request can be removed', async () => {
    const env = await f.environment();
    const a = await f.container(env, 'a');
    const b = await f.container(env, 'b');
    const hold = f.runtime.hold('a');
    const first = await f.engine.submit(action(env, 'DEPLOY', { serviceId: a }));
    await hold.started;
    const second = await f.engine.submit(action(env, 'DEPLOY', { serviceId: b }));
    assert.equal(await f.store.removeWaiting(second.requestId), true);
    hold.release();
    await f.finished(first.deploymentId);
    assert.equal((await f.store.getDeployment(second.deploymentId))!.status, 'CANCELED');
    assert.equal(await f.status(b), 'READY');
  });
});

describe('engine: cancel', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  test('Cancel mid-rollout: earlier stages keep the new version, the service rolling out is restored, later ones never start', async () => {
    const env = await f.environment();
    const db = await f.database(env, 'db');
    const web = await f.container(env, 'web');
    await f.container(env, 'api');
    const hold = f.runtime.hold('web');
    const holdApi = f.runtime.hold('api');
    const result = await f.engine.submit(action(env, 'DEPLOY'));
    await hold.started;
    await holdApi.started;
    const canceled = await f.engine.cancel(env, { force: false });
    assert.equal(canceled.deploymentId, result.deploymentId);
    const done = await f.finished(result.deploymentId);
    assert.equal(done.status, 'CANCELED');
    assert.equal(await f.status(db), 'DEPLOYED', 'no rollback of what already deployed');
    assert.equal(await f.status(web), 'CANCELED');
    assert.ok(f.statusPath(web).includes('CANCELING'), 'CANCELING while the rollback happens');
    assert.equal(f.runtime.running.has(web), false, 'the canceled rollout left no new spec running');
  });

  test('Cancel with nothing running is refused', async () => {
    const env = await f.environment();
    await assert.rejects(f.engine.cancel(env, { force: false }), ActionNotAvailableError);
  });

  test('services not yet started when Cancel comes end CANCELED untouched', async () => {
    const env = await f.environment();
    await f.database(env, 'held-db');
    const web = await f.container(env, 'never-started');
    const hold = f.runtime.hold('held-db');
    const result = await f.engine.submit(action(env, 'DEPLOY'));
    await hold.started;
    await f.engine.cancel(env, { force: false });
    await f.finished(result.deploymentId);
    assert.equal(await f.status(web), 'CANCELED');
    assert.ok(!f.runtime.callsOf('deploy').includes('never-started'));
  });
});

describe('engine: recovery after a process died', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  test('a deployment whose lease expired ends ERROR explicitly, its services leave progress, and the queue carries on', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web');
    const other = await f.container(env, 'other');
    // A process that claimed a deployment, moved its service to DEPLOYING, then died.
    const { deployment } = await f.store.enqueue({
      environmentId: env,
      request: { action: 'DEPLOY', level: 'service', serviceIds: [web], versions: {} },
      origin: 'API',
      triggeredBy: 'test',
    });
    const claimed = await f.store.claimNext(env, 'dead-process', 60_000);
    assert.equal(claimed?.id, deployment.id);
    await f.store.recordDeploymentServices(deployment.id, [
      { serviceId: web, name: 'web', type: 'container', stageName: 'containers', stageOrder: 400, version: 'v1', status: 'QUEUED' },
    ]);
    await f.store.setServiceStatus(web, 'QUEUED');
    await f.store.setServiceStatus(web, 'DEPLOYING');
    // Meanwhile a request waits behind it.
    const waiting = await f.engine.submit(action(env, 'DEPLOY', { serviceId: other }));
    assert.equal(waiting.position, 1);
    // Nothing happens while the dead process's lease is valid...
    assert.equal((await f.store.getDeployment(deployment.id))!.status, 'RUNNING');
    // ...and once it lapses, this engine ends it and runs the next request.
    await f.store.renewLease(deployment.id, 'dead-process', 1);
    const ended = await f.finished(deployment.id);
    assert.equal(ended.status, 'ERROR');
    assert.match(ended.message ?? '', /interrupted/);
    assert.equal(await f.status(web), 'DEPLOYMENT_ERROR');
    assert.equal((await f.finished(waiting.deploymentId)).status, 'SUCCESS');
    assert.equal(await f.status(other), 'DEPLOYED');
  });
  test('a service caught mid-rollout still ends DEPLOYMENT_ERROR when its runtime cannot settle it (unreachable)', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'stuck');
    const { deployment } = await f.store.enqueue({
      environmentId: env,
      request: { action: 'DEPLOY', level: 'service', serviceIds: [web], versions: {} },
      origin: 'API',
      triggeredBy: 'test',
    });
    await f.store.claimNext(env, 'dead-process', 60_000);
    await f.store.recordDeploymentServices(deployment.id, [
      { serviceId: web, name: 'stuck', type: 'container', stageName: 'containers', stageOrder: 400, version: 'v1', status: 'QUEUED' },
    ]);
    await f.store.setServiceStatus(web, 'QUEUED');
    await f.store.setServiceStatus(web, 'DEPLOYING');
    f.runtime.settleError = new Error('the Docker Engine is unreachable');
    try {
      await f.store.renewLease(deployment.id, 'dead-process', 1);
      assert.equal((await f.finished(deployment.id)).status, 'ERROR');
      assert.ok(f.runtime.callsOf('settle').includes('stuck'), 'recovery tried to settle the half-done rollout');
      assert.equal(await f.status(web), 'DEPLOYMENT_ERROR', 'nothing is left DEPLOYING');
    } finally {
      f.runtime.settleError = undefined;
    }
  });
});

describe('engine: an environment on a runtime this server lacks', () => {
  let f: EngineFixture;
  before(async () => (f = await EngineFixture.create()));
  after(async () => f.close());

  test('its action ends ERROR saying so, and touches no service', async () => {
    const project = await f.store.createProject({ name: 'k8s-less' });
    const env = await f.store.createEnvironment({
      projectId: project.id,
      name: 'cluster',
      runtime: 'kubernetes',
      settings: { maxParallelBuilds: 2, maxParallelDeploys: 4 },
    });
    const web = await f.container(env.id, 'web');
    const result = await f.engine.submit(action(env.id, 'DEPLOY', { serviceId: web }));
    const done = await f.finished(result.deploymentId);
    assert.equal(done.status, 'ERROR');
    assert.match(done.message ?? '', /kubernetes runtime is not configured/);
    assert.equal(await f.status(web), 'READY');
  });
});
