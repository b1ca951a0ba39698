import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1ContainerStatus, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { DRAIN_SECONDS, deploymentManifest, envSecretManifest, loadBalancerAddress, publicServiceManifest, statefulSetManifest, workloadKind } from '../../../src/runtime/kubernetes/manifests.js';
import { replacingMergePatch } from '../../../src/runtime/kubernetes/merge-patch.js';
import { controllerRevisionTemplate, replicaSetTemplate } from '../../../src/runtime/kubernetes/previous-revision.js';
import { ANNOTATION } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { runningStateFromPods } from '../../../src/runtime/kubernetes/observe.js';
import { deploymentRolloutState } from '../../../src/runtime/kubernetes/rollout-status.js';
import type { RolloutSpec, ServiceTarget } from '../../../src/runtime/runtime.js';

const target: ServiceTarget = {
  projectId: 'p1',
  projectName: 'shop',
  environmentId: '3f0c7e9a-1111-4222-8333-944445555666',
  environmentName: 'staging',
  serviceId: '0a1b2c3d-1111-4222-8333-944445555666',
  serviceName: 'Web API',
  serviceType: 'container',
};
const spec: RolloutSpec = {
  image: 'registry.test/web@sha256:abc',
  instances: 2,
  cpu: 250,
  memoryMb: 128,
  env: { B: '2', A: '1' },
  ports: [
    { containerPort: 8080, public: true, protocol: 'http' },
    { containerPort: 9090, public: false, protocol: 'tcp' },
  ],
  healthchecks: { readiness: { type: 'http', path: '/ready', port: 8080, initialDelaySeconds: 0, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 } },
  storage: [],
  specHash: 'h1',
  version: 'v1',
  startTimeoutSeconds: 45,
};

describe('kubernetes manifests', () => {
  test('a Deployment rolls one extra pod at a time, never below the wanted count, with the hash on the template', () => {
    const d = deploymentManifest(target, spec);
    assert.deepEqual(d.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    assert.equal(d.spec?.progressDeadlineSeconds, 45);
    assert.equal(d.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash], 'h1');
    const c = d.spec!.template!.spec!.containers[0]!;
    assert.deepEqual(c.env, [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    assert.deepEqual(c.readinessProbe?.httpGet, { path: '/ready', port: 8080 });
    assert.equal(c.livenessProbe, undefined);
    assert.deepEqual(deploymentManifest(target, { ...spec, env: { A: '1', B: '2' } }), d, 'same spec, same object');
  });

  test('a pod with ports keeps serving a few seconds after it is told to stop (its endpoints go first)', () => {
    const c = deploymentManifest(target, spec).spec!.template!.spec!.containers[0]!;
    assert.deepEqual(c.lifecycle, { preStop: { sleep: { seconds: DRAIN_SECONDS } } });
    assert.ok(DRAIN_SECONDS < deploymentManifest(target, spec).spec!.template!.spec!.terminationGracePeriodSeconds!, 'the pause leaves time to stop');
    assert.equal(deploymentManifest(target, { ...spec, ports: [] }).spec!.template!.spec!.containers[0]!.lifecycle, undefined, 'no ports, no pause');
  });

  test('storage or a database makes a StatefulSet with claim templates; only public ports get a NodePort', () => {
    assert.equal(workloadKind(target, spec), 'Deployment');
    assert.equal(workloadKind({ serviceType: 'database' }, spec), 'StatefulSet');
    const withStorage = { ...spec, storage: [{ mountPath: '/data', sizeGb: 2 }] };
    assert.equal(workloadKind(target, withStorage), 'StatefulSet');
    const s = statefulSetManifest(target, withStorage);
    assert.equal(s.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage, '2Gi');
    assert.deepEqual(s.spec?.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    const pub = publicServiceManifest(target, spec)!;
    assert.equal(pub.spec?.type, 'NodePort');
    assert.deepEqual(pub.spec?.ports?.map((p) => p.port), [8080]);
    assert.equal(publicServiceManifest(target, { ...spec, ports: [] }), null);
  });

  test('public tcp ports make the public Service a LoadBalancer when asked; http ports alone never do', () => {
    const tcp = { ...spec, ports: [...spec.ports, { containerPort: 5432, public: true, protocol: 'tcp' as const }] };
    const table: Array<[RolloutSpec, 'NodePort' | 'LoadBalancer' | undefined, string]> = [
      [tcp, undefined, 'NodePort'],
      [tcp, 'NodePort', 'NodePort'],
      [tcp, 'LoadBalancer', 'LoadBalancer'],
      [spec, 'LoadBalancer', 'NodePort'],
    ];
    for (const [s, type, expected] of table) assert.equal(publicServiceManifest(target, s, type)!.spec?.type, expected, `${type} with ${s.ports.length} ports`);
    assert.deepEqual(publicServiceManifest(target, tcp, 'LoadBalancer')!.spec?.ports?.map((p) => p.port), [8080, 5432]);
  });

  test('a LoadBalancer is reached on the address the cluster assigned, once it did', () => {
    const lb = (ingress?: Array<{ ip?: string; hostname?: string }>) => ({ spec: { type: 'LoadBalancer' }, status: { loadBalancer: ingress ? { ingress } : {} } });
    assert.equal(loadBalancerAddress(lb()), undefined);
    assert.equal(loadBalancerAddress(lb([])), undefined);
    assert.equal(loadBalancerAddress(lb([{ ip: '203.0.113.7' }])), '203.0.113.7');
    assert.equal(loadBalancerAddress(lb([{ hostname: 'abc.elb.example.com' }])), 'abc.elb.example.com');
    assert.equal(loadBalancerAddress(lb([{ ip: '2001:db8::7' }])), '[2001:db8::7]');
    assert.equal(loadBalancerAddress({ spec: { type: 'NodePort' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } }), undefined);
  });
});

describe('secret env values in a Secret', () => {
  test('the template references the secret values in a Secret named after the spec; plain values stay inline', () => {
    const withSecret = { ...spec, env: { A: '1', TOKEN: 's3cret' }, secretEnvKeys: ['TOKEN', 'ABSENT'] };
    const secret = envSecretManifest(target, withSecret)!;
    assert.deepEqual(secret.data, { TOKEN: Buffer.from('s3cret').toString('base64') });
    assert.match(secret.metadata!.name!, /^s-0a1b2c3d-1111-4222-8333-944445555666-env-h1$/);
    const d = deploymentManifest(target, withSecret);
    assert.deepEqual(d.spec!.template.spec!.containers[0]!.env, [
      { name: 'A', value: '1' },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: secret.metadata!.name, key: 'TOKEN' } } },
    ]);
    assert.ok(!JSON.stringify(d).includes('s3cret'), 'no secret value in the Deployment');
    assert.equal(envSecretManifest(target, spec), null, 'no secret, no Secret');
    assert.deepEqual(deploymentManifest(target, spec).spec!.template.spec!.containers[0]!.env, [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
  });
});

describe('rollout status as kubectl judges it', () => {
  const base = (status: V1Deployment['status'], generation = 2): V1Deployment => ({ metadata: { generation }, spec: { replicas: 3, selector: {}, template: {} }, status });
  test('progressing until observed, updated, old ones gone and available', () => {
    assert.equal(deploymentRolloutState(base({ observedGeneration: 1 })).state, 'progressing');
    assert.equal(deploymentRolloutState(base({ observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 3 })).state, 'progressing');
    assert.equal(deploymentRolloutState(base({ observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3 })).state, 'progressing');
    assert.equal(deploymentRolloutState(base({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 })).state, 'progressing');
    assert.equal(deploymentRolloutState(base({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 })).state, 'done');
  });
  test('ProgressDeadlineExceeded fails the rollout (unless ignored while undoing)', () => {
    const d = base({ observedGeneration: 2, updatedReplicas: 1, replicas: 4, availableReplicas: 3, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
    assert.equal(deploymentRolloutState(d).state, 'failed');
    assert.equal(deploymentRolloutState(d, { ignoreProgressDeadline: true }).state, 'progressing');
  });
});

describe('replacing merge patch', () => {
  test('removes what the desired object lacks, replaces arrays whole', () => {
    const current = { metadata: { annotations: { a: '1', restartedAt: 'x' } }, spec: { containers: [{ name: 'main', env: [{ name: 'X' }] }] } };
    const desired = { metadata: { annotations: { a: '0' } }, spec: { containers: [{ name: 'main' }] } };
    assert.deepEqual(replacingMergePatch(current, desired), { metadata: { annotations: { a: '0', restartedAt: null } }, spec: { containers: [{ name: 'main' }] } });
  });
});

describe('running state from pods', () => {
  const pod = (name: string, ready: boolean, extra: Partial<V1Pod['status']> = {}): V1Pod => ({
    metadata: { name, annotations: { [ANNOTATION.version]: 'v1' } },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], containerStatuses: [], ...extra },
  });
  test('RUNNING, WARNING, STARTING, ERROR, STOPPED', () => {
    assert.equal(runningStateFromPods([]).status, 'STOPPED');
    assert.equal(runningStateFromPods([pod('a', true), pod('b', true)]).status, 'RUNNING');
    assert.equal(runningStateFromPods([pod('a', true), pod('b', false)]).status, 'WARNING');
    assert.equal(runningStateFromPods([pod('a', false)]).status, 'STARTING');
    const crashing = pod('a', false, {
      containerStatuses: [{ name: 'main', image: 'i', imageID: '', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }],
    });
    const state = runningStateFromPods([crashing]);
    assert.equal(state.status, 'ERROR');
    assert.equal(state.instances[0]?.restarts, 3);
    assert.equal(state.instances[0]?.lastExitCode, 137);
    assert.equal(state.instances[0]?.version, 'v1');
    assert.equal(state.instances[0]?.lastExitReason, 'OOMKilled');
  });
  test('last exit reason: the terminated reason, else a failing waiting reason, else none', () => {
    const status = (s: Partial<V1ContainerStatus>): V1ContainerStatus => ({ name: 'main', image: 'i', imageID: '', ready: false, restartCount: 0, ...s });
    const reasonOf = (s: Partial<V1ContainerStatus>) => runningStateFromPods([pod('a', false, { containerStatuses: [status(s)] })]).instances[0]?.lastExitReason;
    // Exited and restarted: the previous termination's reason wins over the back-off it waits in.
    assert.equal(reasonOf({ restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }), 'Error');
    // Exited now (not restarted yet).
    assert.equal(reasonOf({ state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }), 'OOMKilled');
    // Never ran: why it cannot start.
    assert.equal(reasonOf({ state: { waiting: { reason: 'ErrImagePull' } } }), 'ErrImagePull');
    // Merely starting, or running without a past exit: no reason.
    assert.equal(reasonOf({ state: { waiting: { reason: 'ContainerCreating' } } }), null);
    assert.equal(reasonOf({ ready: true, state: { running: { startedAt: new Date() } } }), null);
    assert.equal(runningStateFromPods([pod('a', false)]).instances[0]?.lastExitReason, null);
  });
});

describe('previous revisions (what recovery puts back)', () => {
  const template = deploymentManifest(target, spec).spec!.template;
  test("a ReplicaSet's template is its Deployment's, without the controller's pod-template-hash label", () => {
    const fromReplicaSet = { ...template, metadata: { ...template.metadata, labels: { ...template.metadata!.labels, 'pod-template-hash': '7dff6bdc7' } } };
    assert.deepEqual(replicaSetTemplate(fromReplicaSet), template);
  });
  test("a ControllerRevision's data holds the StatefulSet template as a replacing patch", () => {
    assert.deepEqual(controllerRevisionTemplate({ data: { spec: { template: { ...template, $patch: 'replace' } } } }), template);
    assert.equal(controllerRevisionTemplate({ data: {} }), null);
    assert.equal(controllerRevisionTemplate({}), null);
  });
});
