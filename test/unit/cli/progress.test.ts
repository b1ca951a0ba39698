import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiClient } from '../../../src/cli/api-client.js';
import { CliError } from '../../../src/cli/cli-error.js';
import { makeOut } from '../../../src/cli/output.js';
import { logLine, progressLines, serviceNames, summaryLines, type Seen } from '../../../src/cli/progress.js';
import { resolveAddress } from '../../../src/cli/resolve.js';

const plain = { color: false };

function detail(status: string, webStatus: string, steps: Array<{ name: string; status: string; durationMs: number | null; message?: string }>) {
  return {
    status,
    message: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    startedAt: '2030-01-01T00:00:00.000Z',
    endedAt: status === 'RUNNING' ? null : '2030-01-01T00:00:07.500Z',
    stages: [
      {
        name: 'containers',
        order: 3,
        status,
        services: [
          {
            serviceId: 's-web',
            name: 'web',
            type: 'container',
            version: 'v1',
            status: webStatus,
            steps: steps.map((s, i) => ({ name: s.name, status: s.status, startedAt: `2030-01-01T00:00:0${i}.000Z`, durationMs: s.durationMs, message: s.message ?? null })),
          },
        ],
      },
    ],
  };
}

test('watch prints a line only when a service\'s status or step changes', () => {
  const seen: Seen = new Map();
  const queued = detail('RUNNING', 'QUEUED', [{ name: 'QUEUEING', status: 'RUNNING', durationMs: null }]);
  assert.deepEqual(progressLines(plain, queued, seen), ['web  QUEUED  QUEUEING RUNNING']);
  assert.deepEqual(progressLines(plain, queued, seen), [], 'nothing new, nothing printed');
  const deploying = detail('RUNNING', 'DEPLOYING', [
    { name: 'QUEUEING', status: 'SUCCESS', durationMs: 10 },
    { name: 'DEPLOY', status: 'RUNNING', durationMs: null },
  ]);
  assert.deepEqual(progressLines(plain, deploying, seen), ['web  DEPLOYING  DEPLOY RUNNING']);
  const done = detail('SUCCESS', 'DEPLOYED', [
    { name: 'QUEUEING', status: 'SUCCESS', durationMs: 10 },
    { name: 'DEPLOY', status: 'SUCCESS', durationMs: 6500, message: 'deployed v1' },
  ]);
  assert.deepEqual(progressLines(plain, done, seen), ['web  DEPLOYED  DEPLOY SUCCESS: deployed v1']);
  assert.deepEqual(summaryLines(plain, done, 'd1'), ['deployment d1 ended SUCCESS in 7.5s', '  web  DEPLOYED  7.5s  v1']);
  const line = logLine(plain, { seq: 1, ts: '2030-01-01T00:00:01Z', serviceId: 's-web', step: 'DEPLOY', level: 'error', message: 'boom' }, serviceNames(done));
  assert.equal(line, '[web DEPLOY] error boom');
});

test('colours only on a terminal without NO_COLOR', () => {
  const tty = { isTTY: true, write: () => true } as unknown as NodeJS.WriteStream;
  const pipe = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  assert.equal(makeOut(tty, {}).color, true);
  assert.equal(makeOut(tty, { NO_COLOR: '1' }).color, false);
  assert.equal(makeOut(tty, { TERM: 'dumb' }).color, false);
  assert.equal(makeOut(pipe, {}).color, false);
  const coloured = progressLines({ color: true }, detail('RUNNING', 'DEPLOYMENT_ERROR', []), new Map());
  assert.match(coloured[0]!, /\u001b\[31mDEPLOYMENT_ERROR\u001b\[0m/);
});

test('a name that matches two resources is a usage error asking for the id', async () => {
  const api = {
    get: async (path: string) => {
      if (path === '/projects') return { items: [{ id: 'p1', name: 'shop' }] };
      if (path === '/projects/p1/environments') return { items: [{ id: 'e1', name: 'prod' }] };
      return { items: [{ id: 'a', name: 'web', state: 'DEPLOYED' }, { id: 'b', name: 'web', state: 'READY' }, { id: 'c', name: 'web', state: 'DELETED' }] };
    },
  } as unknown as ApiClient;
  await assert.rejects(resolveAddress(api, { kind: 'service', project: 'shop', environment: 'prod', service: 'web' }, ['service']), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /2 services are named web in shop\/prod: name it by id/);
    return true;
  });
  await assert.rejects(resolveAddress(api, { kind: 'project', project: 'nope' }, ['project']), (e: unknown) => e instanceof CliError && e.exitCode === 4);
});
