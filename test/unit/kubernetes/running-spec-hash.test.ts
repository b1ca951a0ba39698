import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { ANNOTATION, LABEL, workloadName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { workloadSpecHash, workloadSpecHashes } from '../../../src/runtime/kubernetes/running-spec-hash.js';

function deployment(serviceId: string, hash: string, options: { replicas?: number; rolling?: boolean; name?: string } = {}): V1Deployment {
  const replicas = options.replicas ?? 1;
  return {
    metadata: { name: options.name ?? workloadName(serviceId), generation: 2, labels: { [LABEL.service]: serviceId } },
    spec: { replicas, selector: {}, template: { metadata: { annotations: { [ANNOTATION.specHash]: hash } } } },
    status: { observedGeneration: options.rolling ? 1 : 2, replicas, updatedReplicas: replicas, availableReplicas: replicas },
  };
}

function statefulSet(serviceId: string, hash: string): V1StatefulSet {
  return {
    metadata: { name: workloadName(serviceId), generation: 1, labels: { [LABEL.service]: serviceId } },
    spec: { replicas: 1, selector: {}, serviceName: 'x', template: { metadata: { annotations: { [ANNOTATION.specHash]: hash } } } },
    status: { observedGeneration: 1, replicas: 1, readyReplicas: 1, currentRevision: 'r1', updateRevision: 'r1' },
  };
}

describe('the spec hash a workload runs', () => {
  const cases: Array<[string, V1Deployment, string | null]> = [
    ['rolled out', deployment('a', 'h1'), 'h1'],
    ['scaled to 0 (stopped)', deployment('a', 'h1', { replicas: 0 }), null],
    ['still rolling (generation not observed)', deployment('a', 'h1', { rolling: true }), null],
  ];
  for (const [name, object, expected] of cases) {
    test(`Deployment ${name}: ${String(expected)}`, () => assert.equal(workloadSpecHash('Deployment', object), expected));
  }

  test('a StatefulSet rolled out', () => assert.equal(workloadSpecHash('StatefulSet', statefulSet('a', 'h2')), 'h2'));
});

describe("an environment's spec hashes from one list of each kind", () => {
  test('by service id, the same answer as each workload alone', () => {
    const hashes = workloadSpecHashes([deployment('a', 'h1'), deployment('b', 'h2', { rolling: true })], [statefulSet('c', 'h3')]);
    assert.deepEqual([...hashes].sort(), [
      ['a', 'h1'],
      ['b', null],
      ['c', 'h3'],
    ]);
  });

  test('a Deployment wins over a StatefulSet of the same service (a kind change under way)', () => {
    assert.equal(workloadSpecHashes([deployment('a', 'dep')], [statefulSet('a', 'sts')]).get('a'), 'dep');
  });

  test('a workload not named after its label’s service, or without the label, is nobody’s', () => {
    const unlabelled = deployment('a', 'h1');
    delete unlabelled.metadata!.labels;
    const hashes = workloadSpecHashes([deployment('a', 'h1', { name: 'someone-else' }), unlabelled], []);
    assert.equal(hashes.size, 0);
  });
});
