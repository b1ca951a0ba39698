import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ServiceView } from '../../support/api-client.js';
import { freePort } from '../../support/free-port.js';
import { appService, edgePorts, eventually, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * A kubernetes environment whose cluster does not answer (its own kubeconfig names 127.0.0.1
 * on a closed port): reading its services answers 200 with running state UNKNOWN and no
 * endpoints, never 500; creating a service either answers 201 with the row or creates nothing.
 * No cluster, no Docker action is needed: nothing ever reaches a runtime.
 */

let slipway: Slipway | undefined;

function unreachableKubeconfig(port: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user: { token: 'unreachable-cluster-token' } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(24), name: 'unreachable-cluster' });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
});

test('an unreachable cluster shows UNKNOWN and no endpoints, never 500; creating a service never half-succeeds', async () => {
  const { api } = slipway!;
  const project = await api.createProject(uniqueName('unreach'));
  const environment = await api.expect<{ id: string }>(201, 'POST', `/projects/${project.id}/environments`, {
    name: 'k',
    runtime: 'kubernetes',
    // A port the system just released: nothing listens there.
    settings: { kubeconfig: unreachableKubeconfig(await freePort()) },
  });

  // Creation: 201 with the row, or a refusal (not 500) that created nothing.
  const created = await api.call<ServiceView>('POST', `/environments/${environment.id}/services`, appService('web'));
  const listed = await api.call<{ items: ServiceView[] }>('GET', `/environments/${environment.id}/services`);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  if (created.status === 201) {
    assert.deepEqual(
      listed.body.items.map((s) => s.id),
      [created.body.id],
    );
    assert.deepEqual(created.body.endpoints, []);
  } else {
    assert.ok(created.status < 500, `POST answered ${created.status}: ${JSON.stringify(created.body)}`);
    assert.deepEqual(listed.body.items, []);
    return;
  }
  const serviceId = created.body.id;

  // A deploy cannot reach the cluster: it ends in error, and the running state is then unknown.
  await api.act(serviceId, 'deploy');
  const failed = await eventually('the deploy to end in error', async () => {
    const response = await api.call<ServiceView>('GET', `/services/${serviceId}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.state === 'DEPLOYMENT_ERROR' ? response.body : undefined;
  });
  assert.equal(failed.runningState.status, 'UNKNOWN');
  assert.deepEqual(failed.endpoints, []);

  const list = await api.call<{ items: ServiceView[] }>('GET', `/environments/${environment.id}/services`);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal(list.body.items[0]?.runningState.status, 'UNKNOWN');
  assert.deepEqual(list.body.items[0]?.endpoints, []);

  // Another service while the cluster stays away: still 201, still listed once.
  const second = await api.call<ServiceView>('POST', `/environments/${environment.id}/services`, appService('api'));
  assert.equal(second.status, 201, JSON.stringify(second.body));
  const after = await api.expect<{ items: ServiceView[] }>(200, 'GET', `/environments/${environment.id}/services`);
  assert.deepEqual(after.items.map((s) => s.name).sort(), ['api', 'web']);
});
