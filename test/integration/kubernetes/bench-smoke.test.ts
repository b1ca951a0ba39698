import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Namespace, V1Node } from '@kubernetes/client-node';
import { BENCH_LABEL, benchCluster, benchKubeconfig } from '../../../bench/support/kwok-bench-cluster.js';

// The `kubernetes` benchmark at a tiny size, so its code cannot rot: no figure is asserted,
// only that it runs end to end, that a no-op writes nothing, and that it removes what it made.
test('the kubernetes benchmark runs at a tiny size and leaves no node or namespace behind', async () => {
  Object.assign(process.env, { BENCH_K8S_NODES: '2', BENCH_K8S_ENVIRONMENTS: '1', BENCH_K8S_SERVICES: '2', BENCH_K8S_RUNS: '1' });
  const { kubernetesScale } = await import('../../../bench/kubernetes-scale.js');
  const result = await kubernetesScale();
  const noop = result.rows.find((r) => r.what.startsWith('No-op: API server requests per service'));
  assert.ok(noop, 'the no-op request row is there');
  assert.match(noop.measured, /, 0\.00 writes$/);
  assert.ok(result.rows.some((r) => r.what.startsWith('Deploy of 1 environments × 2 services')));

  const cluster = benchCluster(benchKubeconfig());
  assert.equal((await cluster.list<V1Node>('v1', 'Node', undefined, BENCH_LABEL)).items.length, 0, 'bench nodes removed');
  assert.equal((await cluster.list<V1Namespace>('v1', 'Namespace', undefined, BENCH_LABEL)).items.length, 0, 'bench namespaces removed');
});
