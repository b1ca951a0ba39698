import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { KubernetesRuntimes } from '../../src/runtime/kubernetes/per-environment.js';
import type { OperationContext } from '../../src/runtime/runtime.js';

/**
 * A "cluster" on 127.0.0.1 that refuses every request and echoes its Authorization header in
 * the answer, as a hostile API server named by a kubeconfig could: the token must reach
 * neither the error the runtime throws (which the server logs) nor the deployment log.
 */
let cluster: http.Server;
let url: string;
let dir: string;
const TOKEN = 'scrub-me-token-0123456789';
const KEY = 'MASTER-KEY-0123456789';

before(async () => {
  cluster = http.createServer((req, res) => {
    res.writeHead(401, { 'content-type': 'application/json', 'x-echo': String(req.headers.authorization) });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `refused ${req.headers.authorization}`, code: 401 }));
  });
  await new Promise<void>((resolve) => cluster.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(cluster.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'slipway-scrub-'));
});

after(async () => {
  await new Promise((resolve) => cluster.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const kubeconfig = (user: Record<string, unknown>) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });

/** What a pino logger writes for the error, as the server logs a failed call. */
function logged(error: unknown): string {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  pino({}, sink).warn({ err: error }, 'running state refresh failed');
  return out;
}

const target = { projectId: 'p', projectName: 'p', environmentId: 'e1', environmentName: 'staging' };

async function failedCall(runtimes: KubernetesRuntimes): Promise<{ error: unknown; lines: string[] }> {
  const lines: string[] = [];
  const ctx: OperationContext = { signal: new AbortController().signal, log: (_level, message) => lines.push(message) };
  const error = await runtimes.prepareEnvironment(target, ctx).then(
    () => assert.fail('the cluster refused the call'),
    (e: unknown) => e,
  );
  // A read without an operation context (endpoints never fail: an unreachable cluster shows none).
  const read = await runtimes.runningSpecHash({ ...target, serviceId: 's', serviceName: 'web', serviceType: 'container' }).then(
    () => assert.fail('the cluster refused the call'),
    (e: unknown) => e,
  );
  return { error, lines: [...lines, logged(read)] };
}

test("an environment's kubeconfig token never reaches an error or a log line, even when the cluster echoes it", async () => {
  const runtimes = new KubernetesRuntimes({ kubeconfigOf: async () => kubeconfig({ token: TOKEN }) });
  try {
    const { error, lines } = await failedCall(runtimes);
    const text = logged(error);
    assert.match(text, /401|refused/, 'the failure is still described');
    assert.ok(!text.includes(TOKEN), `the logged error shows the token: ${text}`);
    for (const line of lines) assert.ok(!line.includes(TOKEN), `a log line shows the token: ${line}`);
  } finally {
    await runtimes.close();
  }
});

test("the server's own kubeconfig: a token read from a file (with its newline) is not quoted by the header error", async () => {
  // The server-wide kubeconfig is the operator's: it may name files. Read with its newline, the
  // token makes a header the HTTP client refuses, quoting it in its message.
  const keyFile = join(dir, 'token');
  await writeFile(keyFile, `${KEY}\n`);
  const path = join(dir, 'config');
  await writeFile(path, kubeconfig({ 'token-file': keyFile }));
  const messages: string[] = [];
  const runtimes = new KubernetesRuntimes({ defaultKubeconfig: path, kubeconfigOf: async () => undefined, log: (m) => messages.push(m) });
  try {
    await runtimes.start();
    const { error, lines } = await failedCall(runtimes);
    const text = logged(error);
    assert.match(text, /legal HTTP header/, 'the failure is still described');
    assert.ok(!text.includes(KEY), `the logged error shows the key: ${text}`);
    for (const line of [...lines, ...messages]) assert.ok(!line.includes(KEY), `a log line shows the key: ${line}`);
  } finally {
    await runtimes.close();
  }
});
