import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, KubeConfig, type V1Service } from '@kubernetes/client-node';
import { RegistryClient } from '../../../src/build/registry-client.js';
import { KubernetesRuntime } from '../../../src/runtime/kubernetes/kubernetes-runtime.js';
import { publicServiceName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { KubeFixture, testKubeconfig } from './fixture.js';

/**
 * Public tcp ports as a LoadBalancer Service (SLIPWAY_K8S_TCP_SERVICE_TYPE, docs/edge.md#kubernetes).
 * No cloud controller runs here: the test writes the Service's status as one would once it
 * assigned an address; Slipway only reads it.
 */
describe('kubernetes runtime: tcp ports on a LoadBalancer Service', () => {
  let f: KubeFixture;
  let core: CoreV1Api;
  before(async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(testKubeconfig());
    core = kubeConfig.makeApiClient(CoreV1Api);
    f = await KubeFixture.create(new KubernetesRuntime({ kubeConfig, registry: new RegistryClient({ timeoutMs: 3000 }), tcpServiceType: 'LoadBalancer' }));
  });
  after(async () => f?.close());

  test('the public Service is a LoadBalancer; endpoints give the NodePort until the cluster assigns an address, then that address', async () => {
    const env = await f.environment('prod');
    const db = await f.container(env, 'db', { startTimeoutSeconds: 60, ports: [{ containerPort: 5432, public: true, protocol: 'tcp' }] });
    const web = await f.container(env, 'web', { startTimeoutSeconds: 60, ports: [{ containerPort: 8080, public: true, protocol: 'http' }] });
    assert.equal((await f.run(env, 'DEPLOY')).status, 'SUCCESS');
    const namespace = await f.namespaceOf(db);
    const read = (serviceId: string) => core.readNamespacedService({ name: publicServiceName(serviceId), namespace });

    const service = await read(db);
    assert.equal(service.spec?.type, 'LoadBalancer');
    const nodePort = service.spec?.ports?.[0]?.nodePort;
    assert.ok(nodePort, 'a LoadBalancer Service has a NodePort too');
    // http ports alone never ask for a load balancer.
    assert.equal((await read(web)).spec?.type, 'NodePort');

    assert.deepEqual(await f.engine.endpoints(db), [{ port: nodePort, protocol: 'tcp', url: `tcp://localhost:${nodePort}` }]);

    // What a cloud controller does once the load balancer exists.
    const assign = (ingress: Array<{ ip?: string; hostname?: string }>) =>
      core.replaceNamespacedServiceStatus({ name: publicServiceName(db), namespace, body: { ...service, status: { loadBalancer: { ingress } } } as V1Service });
    await assign([{ ip: '203.0.113.7' }]);
    assert.deepEqual(await f.engine.endpoints(db), [{ port: 5432, protocol: 'tcp', url: 'tcp://203.0.113.7:5432' }]);
  });
});
