import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubeconfigProblem } from '../../../src/runtime/kubernetes/kubeconfig-text.js';

const config = (user: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://k8s.example:6443', 'certificate-authority-data': 'Y2E=' } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
    ...extra,
  });

test('a kubeconfig is accepted with a current context and inline credentials only', async () => {
  assert.equal(await kubeconfigProblem(config({ token: 'abc' })), null);
  assert.equal(await kubeconfigProblem(config({ 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' })), null);
  assert.match((await kubeconfigProblem(config({ token: 'abc' }, { 'current-context': '' })))!, /no current-context/);
  assert.match((await kubeconfigProblem(config({ token: 'abc' }, { 'current-context': 'other' })))!, /not among/);
  assert.match((await kubeconfigProblem(config({ 'client-key': '/etc/shadow', 'client-certificate-data': 'Y2VydA==' })))!, /refers to files/);
  assert.match((await kubeconfigProblem(config({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'id'] } })))!, /exec/);
  const broken = await kubeconfigProblem('users:\n  - name: u\n    user: { token: hunter2\n');
  assert.ok(broken !== null && !broken.includes('hunter2'), `refused without quoting the text: ${broken}`);
});
