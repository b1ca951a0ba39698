import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, deployedSpecOf, DomainError } from '../../src/domain/index.js';
import type { Store } from '../../src/store/store.js';
import { describeOnEachBackend } from './store-backends.js';

/** Running deployments' writes of one moment, in one call (writeJournal), on SQLite and PostgreSQL alike. */

async function runningDeployment(store: Store, projectId: string, name: string, serviceNames: string[]) {
  const env = await store.createEnvironment({ projectId, name, runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  const services = [];
  for (const serviceName of serviceNames) {
    services.push(
      await store.createService({ environmentId: env.id, name: serviceName, type: 'container', source: { image: { name: 'busybox', tag: 'v1' } }, settings: DEFAULT_SERVICE_SETTINGS }),
    );
  }
  const { deployment } = await store.enqueue({ environmentId: env.id, request: { action: 'DEPLOY', level: 'environment', serviceIds: [], versions: {} }, origin: 'API', triggeredBy: 'tester' });
  await store.claimNext(env.id, 'me', 10_000);
  await store.recordDeploymentServices(
    deployment.id,
    services.map((s) => ({ serviceId: s.id, name: s.name, type: s.type, stageName: 'applications', stageOrder: 500, version: 'v1', status: 'QUEUED' })),
  );
  for (const s of services) await store.setServiceStatus(s.id, 'QUEUED');
  return { deploymentId: deployment.id, ids: services.map((s) => s.id) };
}

/** Each service's QUEUEING step, started one by one: the journal ends them. */
async function queueingSteps(store: Store, deploymentId: string, serviceIds: readonly string[]): Promise<Map<string, string>> {
  const steps = new Map<string, string>();
  for (const id of serviceIds) steps.set(id, await store.startStep(deploymentId, id, 'QUEUEING'));
  return steps;
}

describeOnEachBackend('journal writes', (s) => {
  it('moves, starts and finishes steps of services of two deployments in one call; a service not in `from` is left alone', async () => {
    const project = await s.store.createProject({ name: 'journal' });
    const one = await runningDeployment(s.store, project.id, 'one', ['a', 'b']);
    const two = await runningDeployment(s.store, project.id, 'two', ['c']);
    const queueing = await queueingSteps(s.store, one.deploymentId, one.ids);
    const [a, b] = one.ids as [string, string];
    const c = two.ids[0]!;

    const first = await s.store.writeJournal({
      deployedStates: [],
      finishSteps: one.ids.map((id) => ({ stepId: queueing.get(id)!, status: 'SUCCESS' })),
      moves: [
        { deploymentId: one.deploymentId, serviceId: a, from: 'QUEUED', to: 'DEPLOYING', message: null },
        { deploymentId: one.deploymentId, serviceId: b, from: 'QUEUED', to: 'DEPLOYING', message: null },
        // c is QUEUED, not DEPLOYING: its writer believed otherwise, so it is not moved.
        { deploymentId: two.deploymentId, serviceId: c, from: 'DEPLOYING', to: 'DEPLOYED', message: 'no changes' },
      ],
      startSteps: [
        { deploymentId: one.deploymentId, serviceId: a, name: 'DEPLOY' },
        { deploymentId: two.deploymentId, serviceId: c, name: 'DEPLOY', message: 'starting' },
        { deploymentId: one.deploymentId, serviceId: b, name: 'DEPLOY' },
      ],
    });
    assert.deepEqual(first.notMoved, [c]);
    assert.deepEqual(first.missingSteps, []);
    assert.equal(first.stepIds.length, 3);
    assert.equal(new Set(first.stepIds).size, 3);

    assert.deepEqual((await s.store.listServices((await s.store.getService(a))!.environmentId)).map((x) => x.status), ['DEPLOYING', 'DEPLOYING']);
    assert.equal((await s.store.getService(c))?.status, 'QUEUED');
    const detailOne = await s.store.getDeploymentDetail(one.deploymentId);
    const recorded = detailOne!.stages[0]!.services;
    assert.deepEqual(recorded.map((x) => [x.name, x.status, x.steps.map((st) => [st.name, st.status])]), [
      ['a', 'DEPLOYING', [['QUEUEING', 'SUCCESS'], ['DEPLOY', 'RUNNING']]],
      ['b', 'DEPLOYING', [['QUEUEING', 'SUCCESS'], ['DEPLOY', 'RUNNING']]],
    ]);
    // The ids come back in the order asked: the second is c's step.
    await s.store.finishStep(first.stepIds[1]!, 'CANCELED');
    const detailTwo = await s.store.getDeploymentDetail(two.deploymentId);
    const cSteps = detailTwo!.stages[0]!.services[0]!.steps;
    assert.deepEqual(cSteps.map((st) => [st.name, st.status, st.message]), [['DEPLOY', 'CANCELED', 'starting']]);
    assert.equal(detailTwo!.stages[0]!.services[0]!.status, 'QUEUED', 'the record of a service not moved is untouched');

    // DEPLOYED keeps what the service deployed beside the record, as setDeploymentServiceStatus does.
    await s.store.setDeployedState(a, { deployedVersion: 'v1', deployedSpecHash: 'h', deployedSpec: null });
    const second = await s.store.writeJournal({
      deployedStates: [],
      finishSteps: [
        { stepId: first.stepIds[0]!, status: 'SUCCESS', message: 'no changes' },
        { stepId: '999999999', status: 'SUCCESS' },
      ],
      moves: [{ deploymentId: one.deploymentId, serviceId: a, from: 'DEPLOYING', to: 'DEPLOYED', message: 'no changes' }],
      startSteps: [],
    });
    assert.deepEqual(second, { notMoved: [], missingSteps: ['999999999'], stepIds: [] });
    const service = await s.store.getService(a);
    assert.deepEqual([service?.status, service?.statusMessage], ['DEPLOYED', 'no changes']);
    assert.deepEqual(await s.store.deployedServicesOf(one.deploymentId), [{ serviceId: a, name: 'a', type: 'container', version: 'v1', spec: null }]);
    const step = (await s.store.getDeploymentDetail(one.deploymentId))!.stages[0]!.services[0]!.steps[1]!;
    assert.deepEqual([step.status, step.message], ['SUCCESS', 'no changes']);
  });

  it('records a step already ended with the move straight to DEPLOYED, in one call', async () => {
    const project = await s.store.createProject({ name: 'journal-straight' });
    const one = await runningDeployment(s.store, project.id, 'one', ['a']);
    const [a] = one.ids as [string];
    const queueing = await queueingSteps(s.store, one.deploymentId, [a]);
    const written = await s.store.writeJournal({
      deployedStates: [],
      finishSteps: [{ stepId: queueing.get(a)!, status: 'SUCCESS' }],
      moves: [{ deploymentId: one.deploymentId, serviceId: a, from: 'QUEUED', to: 'DEPLOYED', message: 'no changes' }],
      startSteps: [{ deploymentId: one.deploymentId, serviceId: a, name: 'DEPLOY', status: 'SUCCESS', message: 'no changes' }],
    });
    assert.deepEqual(written.notMoved, []);
    assert.equal(written.stepIds.length, 1);
    const recorded = (await s.store.getDeploymentDetail(one.deploymentId))!.stages[0]!.services[0]!;
    assert.equal(recorded.status, 'DEPLOYED');
    const deploy = recorded.steps.find((st) => st.name === 'DEPLOY')!;
    assert.deepEqual([deploy.status, deploy.message, deploy.durationMs], ['SUCCESS', 'no changes', 0]);
  });

  it('records deploys on their services before the moves of the same call: the DEPLOYED record names what was deployed', async () => {
    const project = await s.store.createProject({ name: 'journal-deployed' });
    const one = await runningDeployment(s.store, project.id, 'one', ['a', 'b']);
    const [a, b] = one.ids as [string, string];
    const service = (await s.store.getService(a))!;
    const v1 = deployedSpecOf(service);
    const v2 = deployedSpecOf({ source: service.source, settings: { ...service.settings, env: [{ key: 'SECRET', value: 'hunter2', secret: true }] } });
    const written = await s.store.writeJournal({
      deployedStates: [
        { serviceId: a, state: { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpec: v1 } },
        { serviceId: b, state: { deployedVersion: 'v1', deployedSpecHash: null, deployedSpec: null } },
        // Deleted meanwhile: skipped, as an update of no row.
        { serviceId: randomUUID(), state: { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpec: v1 } },
        // The same service again in the same call: the later write is what it keeps.
        { serviceId: a, state: { deployedVersion: 'v2', deployedSpecHash: 'h2', deployedSpec: v2 } },
      ],
      finishSteps: [],
      moves: [
        { deploymentId: one.deploymentId, serviceId: a, from: 'QUEUED', to: 'DEPLOYED', message: null },
        { deploymentId: one.deploymentId, serviceId: b, from: 'QUEUED', to: 'DEPLOYED', message: null },
      ],
      startSteps: [],
    });
    assert.deepEqual(written.notMoved, []);
    const after = (await s.store.getService(a))!;
    assert.deepEqual([after.deployedVersion, after.deployedSpecHash, after.deployedSpec], ['v2', 'h2', v2]);
    const bAfter = (await s.store.getService(b))!;
    assert.deepEqual([bAfter.deployedVersion, bAfter.deployedSpec], ['v1', null]);
    assert.deepEqual(await s.store.deployedServicesOf(one.deploymentId), [
      { serviceId: a, name: 'a', type: 'container', version: 'v2', spec: v2 },
      { serviceId: b, name: 'b', type: 'container', version: 'v1', spec: null },
    ]);
  });

  it('refuses a move the transition table forbids, writing nothing of the call', async () => {
    const project = await s.store.createProject({ name: 'journal-refused' });
    const one = await runningDeployment(s.store, project.id, 'one', ['a']);
    const [a] = one.ids as [string];
    const steps = await queueingSteps(s.store, one.deploymentId, [a]);
    await assert.rejects(
      s.store.writeJournal({
        deployedStates: [],
        finishSteps: [{ stepId: steps.get(a)!, status: 'SUCCESS' }],
        moves: [{ deploymentId: one.deploymentId, serviceId: a, from: 'QUEUED', to: 'RESTARTED', message: null }],
        startSteps: [],
      }),
      (err: unknown) => err instanceof DomainError && err.code === 'ILLEGAL_TRANSITION',
    );
    const detail = await s.store.getDeploymentDetail(one.deploymentId);
    assert.equal(detail!.stages[0]!.services[0]!.steps[0]!.status, 'RUNNING');
    assert.equal((await s.store.getService(a))?.status, 'QUEUED');
  });
});
