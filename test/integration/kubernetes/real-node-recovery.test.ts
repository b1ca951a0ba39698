import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { Cluster } from '../../../src/runtime/kubernetes/cluster.js';
import { ANNOTATION, labelSelector, namespaceName, selectorLabels, workloadName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { testImages } from '../../support/images.js';
import { connect, eventually, startSlipway, uniqueName, type Slipway } from '../e2e/helpers.js';
import { testKubeconfig } from './fixture.js';
import { APP_PORT, assertRealNodeReady, getOnce, isReady, placeOnRealNode, READINESS, sendRequests } from './real-node.js';

/**
 * A Slipway process is SIGKILLed mid-rollout on Kubernetes; the process started again on its
 * data dir recovers the deployment as on Docker: the previous revision is put back (rollout
 * undo) rather than left for the Deployment controller to finish, the service ends
 * DEPLOYMENT_ERROR saying why, and the old pods answer throughout.
 */

let slipway: Slipway;
let cluster: Cluster;
const namespaces: string[] = [];

before(async () => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(testKubeconfig());
  cluster = new Cluster(kubeConfig);
  await assertRealNodeReady(cluster);
  slipway = await startSlipway({
    edgePorts: '24150-24159',
    name: 'k8s-recovery',
    leaseSeconds: 2,
    env: { SLIPWAY_KUBECONFIG: testKubeconfig(), SLIPWAY_PUBLIC_HOST: '127.0.0.1' },
  });
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  for (const name of namespaces) await cluster.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(() => undefined);
});

test('SIGKILL mid-rollout on kubernetes: recovery undoes the rollout, the old pods serve throughout, DEPLOYMENT_ERROR', async (t) => {
  const project = await slipway.api.createProject(uniqueName('k8s-crash'));
  const env = await slipway.api.expect<{ id: string }>(201, 'POST', `/projects/${project.id}/environments`, { name: 'prod', runtime: 'kubernetes' });
  await placeOnRealNode(cluster, env.id);
  namespaces.push(namespaceName(env.id));
  const settings = {
    instances: 2,
    cpu: 100,
    memoryMb: 32,
    ports: [{ containerPort: APP_PORT, public: true, protocol: 'http' }],
    healthchecks: { readiness: READINESS },
    startTimeoutSeconds: 60,
  };
  const web = await slipway.api.createService(env.id, { name: 'web', type: 'container', source: { image: { name: testImages.appV1.name, tag: 'v1' } }, settings });
  const deployed = await slipway.api.waitForDeployment((await slipway.api.act(web.id, 'deploy')).deploymentId, 180_000);
  assert.equal(deployed.status, 'SUCCESS', deployed.message ?? '');
  const url = (await slipway.api.service(web.id)).endpoints[0]?.url;
  assert.ok(url, 'an endpoint');
  await eventually(`${url} to answer v1`, async () => JSON.stringify(await getOnce(url)) === JSON.stringify({ status: 200, body: 'v1' }), 30_000);
  const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: workloadName(web.id), namespace: namespaceName(env.id) } };
  const v1Hash = (await cluster.read<V1Deployment>(deploymentRef))!.spec!.template!.metadata!.annotations![ANNOTATION.specHash];
  const pods = async (): Promise<V1Pod[]> => (await cluster.list<V1Pod>('v1', 'Pod', namespaceName(env.id), labelSelector(selectorLabels(web.id)))).items;

  // v2 becomes ready only after 300 s: the rollout is caught with a new pod not ready.
  await slipway.api.patchService(web.id, {
    source: { image: { name: testImages.slowReady.name, tag: testImages.slowReady.tag } },
    settings: { ...settings, startTimeoutSeconds: 300, env: [{ key: 'READY_DELAY', value: '300', secret: false }] },
  });
  const load = sendRequests(url, (body) => body === 'v1');
  const since = slipway.events.mark();
  const rollout = await slipway.api.act(web.id, 'redeploy');
  await slipway.events.waitForStatus(web.id, 'DEPLOYING', 30_000, since);
  await eventually('a pod of the new version', async () => (await pods()).some((p) => p.metadata?.annotations?.[ANNOTATION.specHash] !== v1Hash), 60_000);

  slipway.events.close();
  await slipway.server.kill();
  t.diagnostic(`killed pid ${slipway.server.pid} mid-rollout`);
  slipway = await connect(await slipway.server.restart());
  const ended = await slipway.api.waitForDeployment(rollout.deploymentId, 180_000);
  await eventually('only v1 pods, all ready', async () => {
    const now = (await pods()).filter((p) => !p.metadata?.deletionTimestamp);
    return now.length === 2 && now.every((p) => p.metadata?.annotations?.[ANNOTATION.specHash] === v1Hash && isReady(p));
  }, 60_000);
  const stats = await load.stop();
  t.diagnostic(`interrupted: ${ended.message}; ${stats.ok} requests ok, ${stats.failed} failed`);

  assert.equal(ended.status, 'ERROR');
  const service = await slipway.api.service(web.id);
  assert.equal(service.state, 'DEPLOYMENT_ERROR');
  assert.match(service.statusMessage ?? '', /interrupted/);
  const template = (await cluster.read<V1Deployment>(deploymentRef))!.spec!.template!;
  assert.equal(template.metadata?.annotations?.[ANNOTATION.specHash], v1Hash, 'the previous revision is back, not left to the controller');
  assert.deepEqual(stats.failures.slice(0, 5), [], `${stats.failed} failed requests`);
  assert.ok(stats.ok > 0);
  assert.deepEqual(await getOnce(url), { status: 200, body: 'v1' });
});
