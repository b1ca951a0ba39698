import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { instanceFromPod, parseQuantity, usageFromPodMetrics } from '../../../src/runtime/kubernetes/pod-instances.js';

test('quantities: CPU in cores, memory in bytes', () => {
  assert.equal(parseQuantity('250m'), 0.25);
  assert.equal(parseQuantity('12345678n'), 0.012345678);
  assert.equal(parseQuantity('64Mi'), 64 * 1024 * 1024);
  assert.equal(parseQuantity('1.5'), 1.5);
  assert.equal(parseQuantity('junk'), 0);
});

test('a pod restarted after an OOM kill: restarts, exit code, OOM, node and usage', () => {
  const pod: V1Pod = {
    metadata: { name: 's-1-abc', annotations: { 'slipway.dev/version': 'v2' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', resources: { limits: { memory: '64Mi' } } }] },
    status: {
      phase: 'Running',
      startTime: new Date('2024-05-01T10:00:00Z'),
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'app', image: 'x', imageID: '', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
      ],
    },
  };
  assert.deepEqual(instanceFromPod(pod), {
    id: 's-1-abc',
    name: 's-1-abc',
    version: 'v2',
    ready: true,
    state: 'RUNNING',
    restarts: 2,
    exitCode: 137,
    oomKilled: true,
    startedAt: '2024-05-01T10:00:00.000Z',
    node: 'node-a',
  });
  assert.deepEqual(usageFromPodMetrics({ metadata: { name: 's-1-abc' }, containers: [{ usage: { cpu: '150m', memory: '20Mi' } }] }, pod), {
    instanceId: 's-1-abc',
    cpuPercent: 15,
    memoryBytes: 20 * 1024 * 1024,
    memoryLimitBytes: 64 * 1024 * 1024,
  });
});
