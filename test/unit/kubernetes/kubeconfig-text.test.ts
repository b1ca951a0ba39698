import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  assert.match((await kubeconfigProblem(config({ 'client-key': '/etc/shadow', 'client-certificate-data': 'Y2VydA==' })))!, /client-key refers to a file/);
  assert.match((await kubeconfigProblem(config({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'id'] } })))!, /exec/);
  const broken = await kubeconfigProblem('users:\n  - name: u\n    user: { token: hunter2\n');
  assert.ok(broken !== null && !broken.includes('hunter2'), `refused without quoting the text: ${broken}`);
});

test('every file reference is refused, naming the field and never the path, before the client reads the file', async () => {
  // A file that exists: the client would read it while loading and accept the kubeconfig.
  const dir = mkdtempSync(join(tmpdir(), 'slipway-kubeconfig-'));
  const file = join(dir, 'secret.key');
  writeFileSync(file, 'MASTER-KEY-CONTENT\n');
  try {
    const cases: Array<[string, string]> = [
      [config({ 'token-file': file }), 'users[0].user.token-file'],
      [config({ tokenFile: file }), 'users[0].user.tokenFile'],
      [config({ 'client-certificate': file, 'client-key-data': 'a2V5' }), 'users[0].user.client-certificate'],
      [config({ 'client-key': file, 'client-certificate-data': 'Y2VydA==' }), 'users[0].user.client-key'],
      [config({ 'auth-provider': { name: 'oidc', config: { tokenFile: file } } }), 'users[0].user.auth-provider'],
      [config({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'cat', args: [file] } }), 'users[0].user.exec'],
      [
        config({ token: 'abc' }, { clusters: [{ name: 'c', cluster: { server: 'https://k8s.example:6443', 'certificate-authority': file } }] }),
        'clusters[0].cluster.certificate-authority',
      ],
      // A user the current context does not use is loaded (and its file read) all the same.
      [config({ token: 'abc' }, { users: [{ name: 'u', user: { token: 'abc' } }, { name: 'other', user: { 'token-file': file } }] }), 'users[1].user.token-file'],
    ];
    for (const [text, field] of cases) {
      const problem = await kubeconfigProblem(text);
      assert.ok(problem?.includes(field), `${field}: ${problem}`);
      assert.ok(!problem!.includes(file) && !problem!.includes('MASTER-KEY'), `quotes the kubeconfig: ${problem}`);
    }
    // Another kind would be read differently by the check and by the client.
    assert.match((await kubeconfigProblem(JSON.stringify({ ...JSON.parse(config({ 'token-file': file })), kind: 'Pod' })))!, /kind Config/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a token, user name or password that is not one line is refused: it would become a malformed header', async () => {
  const problem = await kubeconfigProblem(config({ token: 'MASTER-KEY\n' }));
  assert.ok(problem?.includes('users[0].user.token') && !problem.includes('MASTER-KEY'), String(problem));
  assert.match((await kubeconfigProblem(config({ username: 'a', password: 'p\r\nX-Evil: 1' })))!, /users\[0\]\.user\.password/);
});

test("the server's own kubeconfig that does not load is logged without quoting it", async () => {
  const { kubernetesRuntimeIfConfigured } = await import('../../../src/runtime/kubernetes/from-kubeconfig.js');
  const dir = mkdtempSync(join(tmpdir(), 'slipway-kubeconfig-'));
  const path = join(dir, 'config');
  writeFileSync(path, 'users:\n  - name: u\n    user: { token: SERVER-TOKEN-123\n');
  try {
    const logged: string[] = [];
    assert.equal(kubernetesRuntimeIfConfigured(path, { log: (m) => logged.push(m) }), undefined);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /YAML error at line \d+/);
    assert.ok(!logged[0]!.includes('SERVER-TOKEN-123'), logged[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
