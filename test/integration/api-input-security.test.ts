import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startHarness, type Harness } from './api-harness.js';

/** Inputs an attack run showed the API accepting: each is refused with 400 naming the rule. */

const V = '/api/v1';
let h: Harness;
let projectId: string;
let dockerEnvId: string;
let kubernetesEnvId: string;

before(async () => {
  h = await startHarness();
  const admin = bearer(h.tokens.admin);
  projectId = (await h.app.inject({ method: 'POST', url: `${V}/projects`, headers: admin, payload: { name: 'shop' } })).json().id;
  dockerEnvId = (await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'staging' } })).json().id;
  const k = await h.app.inject({ method: 'POST', url: `${V}/projects/${projectId}/environments`, headers: admin, payload: { name: 'prod', runtime: 'kubernetes' } });
  assert.equal(k.statusCode, 201, k.body);
  kubernetesEnvId = k.json().id;
});

after(async () => {
  await h?.close();
});

function validationError(res: { statusCode: number; body: string; json(): unknown }): Array<{ field: string; message: string }> {
  assert.equal(res.statusCode, 400, res.body);
  const body = res.json() as { error: { code: string; details: Array<{ field: string; message: string }> } };
  assert.equal(body.error.code, 'VALIDATION_FAILED');
  return body.error.details;
}

describe('kubeconfig file references', () => {
  const kubeconfig = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': 'Y2E=', ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    });
  // A file every machine has: before the fix, the server read it and sent it as a token.
  const file = '/etc/hostname';

  test('each file-reference field is 400 naming the field, never quoting the kubeconfig', async () => {
    const cases: Array<[string, string]> = [
      [kubeconfig({ 'token-file': file }), 'users[0].user.token-file'],
      [kubeconfig({ tokenFile: file }), 'users[0].user.tokenFile'],
      [kubeconfig({ 'client-certificate': file, 'client-key-data': 'a2V5' }), 'users[0].user.client-certificate'],
      [kubeconfig({ 'client-key': file, 'client-certificate-data': 'Y2VydA==' }), 'users[0].user.client-key'],
      [kubeconfig({ token: 'abcd' }, { 'certificate-authority': file }), 'clusters[0].cluster.certificate-authority'],
      [kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'cat', args: [file] } }), 'users[0].user.exec'],
      [kubeconfig({ 'auth-provider': { name: 'oidc', config: { tokenFile: file } } }), 'users[0].user.auth-provider'],
    ];
    for (const [text, field] of cases) {
      const res = await h.app.inject({
        method: 'POST',
        url: `${V}/projects/${projectId}/environments`,
        headers: bearer(h.tokens.admin),
        payload: { name: 'own-cluster', runtime: 'kubernetes', settings: { kubeconfig: text } },
      });
      const details = validationError(res);
      assert.equal(details[0]!.field, 'body/settings/kubeconfig');
      assert.ok(details[0]!.message.includes(field), `${field}: ${details[0]!.message}`);
      assert.ok(!res.body.includes(file), `the answer quotes the kubeconfig: ${res.body}`);
    }
    assert.ok(!(await h.store.listEnvironments(projectId)).some((e) => e.name === 'own-cluster'), 'nothing was created');
  });
});

describe('secret values', () => {
  test('a secret env value under 4 characters is 400 on create and on PATCH, naming the value', async () => {
    const admin = bearer(h.tokens.admin);
    const create = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${dockerEnvId}/services`,
      headers: admin,
      payload: { name: 'web', type: 'container', source: { image: { name: 'nginx', tag: '1' } }, settings: { env: [{ key: 'A', value: 'abc', secret: true }] } },
    });
    assert.deepEqual(validationError(create).map((d) => d.field), ['body/settings/env/0/value']);
    const ok = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${dockerEnvId}/services`,
      headers: admin,
      // Short values that are not secret are fine; a 4-character secret is the shortest.
      payload: { name: 'web', type: 'container', source: { image: { name: 'nginx', tag: '1' } }, settings: { env: [{ key: 'A', value: 'abcd', secret: true }, { key: 'B', value: 'x' }] } },
    });
    assert.equal(ok.statusCode, 201, ok.body);
    const patch = await h.app.inject({
      method: 'PATCH',
      url: `${V}/services/${ok.json().id}`,
      headers: admin,
      payload: { settings: { env: [{ key: 'A', value: '********', secret: true }, { key: 'C', value: 'no', secret: true }] } },
    });
    assert.deepEqual(validationError(patch).map((d) => d.field), ['body/settings/env/1/value']);
  });

  test('a git URL token under 4 characters is 400', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${dockerEnvId}/services`,
      headers: bearer(h.tokens.admin),
      payload: { name: 'short-token', type: 'application', source: { git: { url: 'https://ci:abc@git.example.com/r.git', branch: 'main' } } },
    });
    assert.deepEqual(validationError(res).map((d) => d.field), ['body/source/git/url']);
    assert.ok(!res.body.includes('ci:abc'));
  });
});

describe('file:// git URLs', () => {
  const fileSource = { git: { url: 'file:///srv/git/app.git', branch: 'main' } };

  test('are refused in a kubernetes environment, on create and on PATCH, and accepted in a docker one', async () => {
    const admin = bearer(h.tokens.admin);
    const create = await h.app.inject({ method: 'POST', url: `${V}/environments/${kubernetesEnvId}/services`, headers: admin, payload: { name: 'app', type: 'application', source: fileSource } });
    const details = validationError(create);
    assert.equal(details[0]!.field, 'body/source/git/url');
    assert.match(details[0]!.message, /file:\/\/ git URLs are allowed only in docker environments/);
    const job = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${kubernetesEnvId}/services`,
      headers: admin,
      payload: { name: 'migrate', type: 'job', source: { jobType: 'lifecycle', source: fileSource } },
    });
    assert.equal(validationError(job)[0]!.field, 'body/source/source/git/url');
    const https = await h.app.inject({
      method: 'POST',
      url: `${V}/environments/${kubernetesEnvId}/services`,
      headers: admin,
      payload: { name: 'app', type: 'application', source: { git: { url: 'https://git.example.com/app.git', branch: 'main' } } },
    });
    assert.equal(https.statusCode, 201, https.body);
    const patch = await h.app.inject({ method: 'PATCH', url: `${V}/services/${https.json().id}`, headers: admin, payload: { source: fileSource } });
    assert.equal(validationError(patch)[0]!.field, 'body/source/git/url');
    const onDocker = await h.app.inject({ method: 'POST', url: `${V}/environments/${dockerEnvId}/services`, headers: admin, payload: { name: 'local', type: 'application', source: fileSource } });
    assert.equal(onDocker.statusCode, 201, onDocker.body);
  });
});

describe('git URL credentials', () => {
  test('the whole userinfo is masked, an "@" in it included; the masked URL sent back keeps the stored one', async () => {
    const admin = bearer(h.tokens.admin);
    const url = 'https://u:p@ss-tok@git.example.com/shop/r.git';
    const created = await h.app.inject({ method: 'POST', url: `${V}/environments/${dockerEnvId}/services`, headers: admin, payload: { name: 'creds', type: 'application', source: { git: { url, branch: 'main' } } } });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id;
    const answers = [
      created,
      await h.app.inject({ method: 'GET', url: `${V}/services/${id}`, headers: admin }),
      await h.app.inject({ method: 'GET', url: `${V}/environments/${dockerEnvId}/services`, headers: admin }),
    ];
    for (const answer of answers) {
      assert.ok(!answer.body.includes('ss-tok') && !answer.body.includes('u:p'), `credentials shown: ${answer.body}`);
    }
    const shown = answers[1]!.json().source;
    assert.equal(shown.git.url, 'https://********@git.example.com/shop/r.git');
    // Sent back as shown (another field changed): the stored credentials stay.
    const patched = await h.app.inject({ method: 'PATCH', url: `${V}/services/${id}`, headers: admin, payload: { source: { git: { ...shown.git, branch: 'dev' } } } });
    assert.equal(patched.statusCode, 200, patched.body);
    const stored = (await h.store.getService(id))!.source as { git: { url: string; branch: string } };
    assert.deepEqual([stored.git.url, stored.git.branch], [url, 'dev']);
    // The mask with another host would send the stored credentials there: refused.
    const moved = await h.app.inject({
      method: 'PATCH',
      url: `${V}/services/${id}`,
      headers: admin,
      payload: { source: { git: { ...shown.git, url: 'https://********@evil.example.com/shop/r.git' } } },
    });
    assert.equal(validationError(moved)[0]!.field, 'body/source/git/url');
    assert.equal(((await h.store.getService(id))!.source as { git: { url: string } }).git.url, url);
  });
});
