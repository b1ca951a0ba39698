import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { labelSelector, selectorLabels } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { KubeFixture } from './fixture.js';

describe('kubernetes runtime: a container database as a StatefulSet with a PVC', () => {
  let f: KubeFixture;
  before(async () => (f = await KubeFixture.create()));
  after(async () => f?.close());

  async function claims(serviceId: string): Promise<V1PersistentVolumeClaim[]> {
    const namespace = await f.namespaceOf(serviceId);
    return (await f.runtime.cluster.list<V1PersistentVolumeClaim>('v1', 'PersistentVolumeClaim', namespace, labelSelector(selectorLabels(serviceId)))).items;
  }

  test('Stop keeps the PVC, Redeploy reattaches it, Delete without keepData removes it', async () => {
    const env = await f.environment();
    const db = await f.database(env, 'db');
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: db })).status, 'SUCCESS');
    const sts = (await f.statefulSet(db))!;
    assert.equal(await f.deployment(db), null, 'a database is not a Deployment');
    assert.equal(sts.status?.readyReplicas, 1);
    const [claim] = await claims(db);
    assert.ok(claim, 'a PVC was created from the volume claim template');
    assert.equal(claim.status?.phase, 'Bound');
    const uid = claim.metadata!.uid;
    const [pod] = await f.pods(db);
    assert.equal(pod?.spec?.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName, claim.metadata!.name);

    const mark = f.statusPath(db).length;
    assert.equal((await f.run(env, 'STOP', { serviceId: db })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(db, mark), ['STOP_QUEUED', 'STOPPING', 'STOPPED']);
    assert.equal((await f.statefulSet(db))!.spec?.replicas, 0);
    assert.equal((await f.pods(db)).length, 0);
    const kept = await claims(db);
    assert.deepEqual(kept.map((c) => c.metadata!.uid), [uid], 'the PVC outlives Stop');

    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: db })).status, 'SUCCESS');
    assert.equal((await f.statefulSet(db))!.status?.readyReplicas, 1);
    const [again] = await f.pods(db);
    assert.equal(again?.spec?.volumes?.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName, claim.metadata!.name);
    assert.deepEqual((await claims(db)).map((c) => c.metadata!.uid), [uid], 'the same PVC, reattached');

    assert.equal((await f.run(env, 'DELETE', { serviceId: db, keepData: false })).status, 'SUCCESS');
    assert.equal(await f.statefulSet(db), null);
    await f.until('the PVC is gone', async () => (await claims(db)).length === 0);
  });
});
