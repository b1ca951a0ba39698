import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KubeConfig, type V1Ingress } from '@kubernetes/client-node';
import { RegistryClient } from '../../../src/build/registry-client.js';
import { CLUSTER_ISSUER_ANNOTATION, ingressName, tlsSecretName } from '../../../src/runtime/kubernetes/ingress-manifests.js';
import { KubernetesRuntime } from '../../../src/runtime/kubernetes/kubernetes-runtime.js';
import { publicServiceName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { KubeFixture, testKubeconfig } from './fixture.js';

/** The edge on Kubernetes (docs/edge.md#kubernetes): Ingress objects as the API server holds them. */
describe('kubernetes runtime: an Ingress per public http port', () => {
  let f: KubeFixture;
  before(async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(testKubeconfig());
    const runtime = new KubernetesRuntime({
      kubeConfig,
      registry: new RegistryClient({ timeoutMs: 3000 }),
      ingress: { appsDomain: 'apps.example.com', className: 'nginx', clusterIssuer: 'letsencrypt-prod' },
    });
    f = await KubeFixture.create(runtime);
  });
  after(async () => f?.close());

  const ingress = async (serviceId: string, port: number) =>
    f.runtime.cluster.read<V1Ingress>({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: ingressName(serviceId, port), namespace: await f.namespaceOf(serviceId) } });

  test('hosts, class, cert-manager annotation and a TLS Secret per host; tcp ports stay a NodePort; gone with the service', async () => {
    const env = await f.environment('prod');
    const web = await f.container(env, 'web', {
      startTimeoutSeconds: 60,
      ports: [
        { containerPort: 8080, public: true, protocol: 'http' },
        { containerPort: 9090, public: true, protocol: 'http' },
        { containerPort: 5432, public: true, protocol: 'tcp' },
      ],
      domains: [{ host: 'shop.example.com', port: 9090 }],
    });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: web })).status, 'SUCCESS');
    const project = (await f.store.getProject((await f.store.getEnvironment(env))!.projectId))!.name;
    for (const port of [8080, 9090]) {
      const object = JSON.parse(JSON.stringify(await ingress(web, port))) as V1Ingress;
      const host = `web-${port}-prod-${project}.apps.example.com`;
      assert.equal(object.spec?.ingressClassName, 'nginx');
      assert.equal(object.metadata?.annotations?.[CLUSTER_ISSUER_ANNOTATION], 'letsencrypt-prod');
      const hosts = port === 9090 ? [host, 'shop.example.com'] : [host];
      assert.deepEqual(object.spec?.tls, hosts.map((h) => ({ hosts: [h], secretName: tlsSecretName(h) })));
      assert.deepEqual(object.spec?.rules?.map((r) => r.host), hosts);
      for (const rule of object.spec?.rules ?? []) assert.deepEqual(rule.http?.paths[0]?.backend.service, { name: publicServiceName(web), port: { number: port } });
    }
    assert.equal(await ingress(web, 5432), null);
    const endpoints = await f.engine.endpoints(web);
    assert.deepEqual(
      endpoints.filter((e) => e.protocol === 'http').map((e) => [e.url, e.host]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      [
        ...[8080, 9090].map((port) => [`https://web-${port}-prod-${project}.apps.example.com`, `web-${port}-prod-${project}.apps.example.com`]),
        ['https://shop.example.com', 'shop.example.com'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    assert.match(endpoints.find((e) => e.protocol === 'tcp')!.url, /^tcp:\/\/localhost:\d+$/);

    // One public http port less: its Ingress goes.
    await f.store.updateService(web, { settings: { ...(await f.store.getService(web))!.settings, ports: [{ containerPort: 8080, public: true, protocol: 'http' }] } });
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: web })).status, 'SUCCESS');
    assert.notEqual(await ingress(web, 8080), null);
    assert.equal(await ingress(web, 9090), null);

    assert.equal((await f.run(env, 'DELETE', { serviceId: web })).status, 'SUCCESS');
    assert.equal(await ingress(web, 8080), null);
  });
});
