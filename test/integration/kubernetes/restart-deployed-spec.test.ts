import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { ANNOTATION, labelSelector, selectorLabels } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { KubeFixture } from './fixture.js';

/**
 * docs/actions.md#restart-runs-the-deployed-spec on Kubernetes: Restart changes nothing of the pod
 * template but the restart annotation.
 */
describe('kubernetes runtime: Restart runs the deployed spec', () => {
  let f: KubeFixture;
  before(async () => (f = await KubeFixture.create()));
  after(async () => f?.close());

  test('after editing env, a secret and instances, Restart leaves replicas and the template as deployed; Redeploy applies them', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', {
      instances: 2,
      startTimeoutSeconds: 60,
      env: [
        { key: 'GREETING', value: 'deployed', secret: false },
        { key: 'API_TOKEN', value: 'deployed-s3cret', secret: true },
      ],
    });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');
    const deployed = (await f.deployment(web))!;

    await f.updateSettings(web, {
      instances: 3,
      env: [
        { key: 'GREETING', value: 'edited', secret: false },
        { key: 'API_TOKEN', value: 'edited-s3cret', secret: true },
      ],
    });
    assert.equal((await f.run(env, 'RESTART', { serviceId: web })).status, 'SUCCESS');
    assert.equal(await f.status(web), 'RESTARTED');

    const restarted = (await f.deployment(web))!;
    assert.equal(restarted.spec?.replicas, 2, 'the deployed replicas, not the edited count');
    const { [ANNOTATION.restartedAt]: restartedAt, ...annotations } = restarted.spec!.template!.metadata!.annotations ?? {};
    assert.ok(restartedAt, 'the restart annotation is set');
    assert.deepEqual(annotations, deployed.spec!.template!.metadata!.annotations, 'the other annotations (the spec hash) are as deployed');
    assert.deepEqual(restarted.spec!.template!.spec, deployed.spec!.template!.spec, 'the pod spec (env, secret references) is as deployed');
    const container = restarted.spec!.template!.spec!.containers[0]!;
    assert.equal(container.env!.find((e) => e.name === 'GREETING')?.value, 'deployed');
    const secretName = container.env!.find((e) => e.name === 'API_TOKEN')!.valueFrom!.secretKeyRef!.name!;
    const held = (await f.runtime.cluster.list<V1Secret>('v1', 'Secret', await f.namespaceOf(web), labelSelector(selectorLabels(web)))).items;
    const secret = held.find((s) => s.metadata!.name === secretName)!;
    assert.equal(Buffer.from(secret.data!.API_TOKEN!, 'base64').toString('utf8'), 'deployed-s3cret', 'the Secret holds the deployed value');

    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    const redeployed = (await f.deployment(web))!;
    assert.equal(redeployed.spec?.replicas, 3);
    assert.equal(redeployed.spec!.template!.spec!.containers[0]!.env!.find((e) => e.name === 'GREETING')?.value, 'edited');
  });
});
