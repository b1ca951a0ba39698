import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { ANNOTATION, LABEL, labelSelector, selectorLabels } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { KubeFixture } from './fixture.js';

describe('kubernetes runtime: secret env values in a Secret', () => {
  let f: KubeFixture;
  before(async () => (f = await KubeFixture.create()));
  after(async () => f?.close());

  const secrets = async (serviceId: string): Promise<V1Secret[]> =>
    (await f.runtime.cluster.list<V1Secret>('v1', 'Secret', await f.namespaceOf(serviceId), labelSelector(selectorLabels(serviceId)))).items;
  const decoded = (secret: V1Secret, key: string): string => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');

  test('the pod template references a Secret holding the values; a changed secret rolls out, an unchanged one does not; Delete removes it', async () => {
    const env = await f.environment();
    const web = await f.container(env, 'web', {
      instances: 1,
      startTimeoutSeconds: 60,
      env: [
        { key: 'GREETING', value: 'hello', secret: false },
        { key: 'API_TOKEN', value: 'first-s3cret-value', secret: true },
      ],
    });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');

    const deployment = (await f.deployment(web))!;
    const text = JSON.stringify(deployment);
    assert.ok(!text.includes('first-s3cret-value'), 'no secret value in the Deployment');
    assert.ok(!text.includes(Buffer.from('first-s3cret-value').toString('base64')), 'not even base64-encoded');
    const container = deployment.spec!.template!.spec!.containers[0]!;
    // Plain variables stay in the template, readable; secret ones are references.
    assert.equal(container.env!.find((e) => e.name === 'GREETING')?.value, 'hello');
    const token = container.env!.find((e) => e.name === 'API_TOKEN')!;
    assert.equal(token.value, undefined);
    const secretName = token.valueFrom!.secretKeyRef!.name!;
    assert.equal(token.valueFrom!.secretKeyRef!.key, 'API_TOKEN');

    let held = await secrets(web);
    assert.deepEqual(held.map((s) => s.metadata!.name), [secretName]);
    assert.equal(decoded(held[0]!, 'API_TOKEN'), 'first-s3cret-value');
    assert.deepEqual(Object.keys(held[0]!.data ?? {}), ['API_TOKEN'], 'only the secret values');
    assert.equal(held[0]!.metadata!.labels?.[LABEL.environment], env);
    assert.equal(held[0]!.metadata!.managedFields?.some((m) => m.manager === 'slipway' && m.operation === 'Apply'), true, 'server-side applied by slipway');

    // Redeploy without changes: same Secret, same pod template, same generation.
    const generation = deployment.metadata!.generation;
    const hash = deployment.spec!.template!.metadata!.annotations![ANNOTATION.specHash];
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    assert.equal((await f.deployment(web))!.metadata!.generation, generation);
    assert.deepEqual((await secrets(web)).map((s) => s.metadata!.name), [secretName]);

    // A changed secret value is a change: a new hash, a new Secret, a rollout; the old Secret goes.
    await f.updateSettings(web, {
      env: [
        { key: 'GREETING', value: 'hello', secret: false },
        { key: 'API_TOKEN', value: 'second-s3cret-value', secret: true },
      ],
    });
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    const rolled = (await f.deployment(web))!;
    assert.ok(rolled.metadata!.generation! > generation!, 'the Deployment rolled out');
    assert.notEqual(rolled.spec!.template!.metadata!.annotations![ANNOTATION.specHash], hash);
    assert.ok(!JSON.stringify(rolled).includes('second-s3cret-value'));
    const newName = rolled.spec!.template!.spec!.containers[0]!.env!.find((e) => e.name === 'API_TOKEN')!.valueFrom!.secretKeyRef!.name!;
    assert.notEqual(newName, secretName);
    held = await secrets(web);
    assert.deepEqual(held.map((s) => s.metadata!.name), [newName]);
    assert.equal(decoded(held[0]!, 'API_TOKEN'), 'second-s3cret-value');

    // Delete removes the Secret with the rest.
    assert.equal((await f.run(env, 'DELETE', { serviceId: web })).status, 'SUCCESS');
    assert.deepEqual(await secrets(web), []);
  });
});
