import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testImages } from '../../support/images.js';
import { runAction } from './run-action.js';
import { cleanupEnvironments, docker, edgePorts, eventually, runningContainers, startSlipway, uniqueName, type Slipway } from './helpers.js';

/**
 * What runs, seen through the API of a real Slipway process on real Docker: instances with
 * their restarts and usage, runtime logs (followed, merged by time, secrets redacted) and the
 * sampled metrics (every second here: SLIPWAY_METRICS_INTERVAL_SECONDS=1).
 */

const SECRET = 'observe-secret-3f9a1c';
/** Prints a numbered line a second on stdout, and the secret on stderr every other one. */
const PRINTER = 'i=0; while true; do i=$((i+1)); echo "tick $i from $HOSTNAME"; [ $((i % 2)) -eq 0 ] && echo "token=$TOKEN" >&2; sleep 1; done';

interface LogLine {
  ts: string;
  instance: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

interface Instance {
  id: string;
  name: string;
  version: string | null;
  ready: boolean;
  state: string;
  restarts: number;
  exitCode: number | null;
  oomKilled: boolean;
  startedAt: string | null;
  node: string | null;
  cpuPercent?: number;
  memoryBytes?: number;
  memoryLimitBytes?: number;
}

let slipway: Slipway;
const environments = new Set<string>();
let serviceId = '';

before(async () => {
  slipway = await startSlipway({ edgePorts: edgePorts(31), name: 'observe', env: { SLIPWAY_METRICS_INTERVAL_SECONDS: '1' } });
  const project = await slipway.api.createProject(uniqueName('obs'));
  const env = await slipway.api.createEnvironment(project.id, 'staging');
  environments.add(env.id);
  const service = await slipway.api.createService(env.id, {
    name: 'printer',
    type: 'container',
    source: { image: { name: testImages.appV1.name, tag: 'v1' } },
    settings: {
      instances: 2,
      memoryMb: 32,
      cpu: 100,
      command: ['sh', '-c', PRINTER],
      env: [{ key: 'TOKEN', value: SECRET, secret: true }],
      startTimeoutSeconds: 30,
    },
  });
  serviceId = service.id;
  const { detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'deploy'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
});

after(async () => {
  slipway?.events.close();
  await slipway?.server.dispose();
  await cleanupEnvironments(environments);
});

function url(path: string): string {
  return `${slipway.server.url}/api/v1${path}`;
}

async function readLogs(query: string): Promise<LogLine[]> {
  const response = await fetch(url(`/services/${serviceId}/logs?${query}`), { headers: { authorization: `Bearer ${slipway.server.token}` }, signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get('content-type') ?? '', /application\/x-ndjson/);
  return (await response.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogLine);
}

test('instances: both containers with version, readiness, node, restarts, then CPU and memory', async () => {
  const instances = await eventually(
    'two ready instances with CPU and memory',
    async () => {
      const list = await slipway.api.expect<Instance[]>(200, 'GET', `/services/${serviceId}/instances`);
      if (list.length === 2 && list.every((i) => i.ready && i.cpuPercent !== undefined && (i.memoryBytes ?? 0) > 0)) return list;
      throw new Error(`not yet: ${JSON.stringify(list)}`);
    },
    30_000,
  );
  const ids = new Set((await runningContainers(serviceId)).map((c) => c.Id));
  for (const instance of instances) {
    assert.ok(ids.has(instance.id), `${instance.id} is a running container of the service`);
    assert.equal(instance.version, 'v1');
    assert.equal(instance.state, 'RUNNING');
    assert.equal(instance.restarts, 0);
    assert.equal(instance.oomKilled, false);
    assert.ok(instance.node, 'the Docker host names the node');
    assert.ok(instance.startedAt && !Number.isNaN(Date.parse(instance.startedAt)));
    assert.equal(instance.memoryLimitBytes, 32 * 1024 * 1024);
  }
});

test('logs: both instances merged by time, stdout and stderr, the secret redacted', async () => {
  await eventually('lines of both instances', async () => new Set((await readLogs('tail=4')).map((l) => l.instance)).size === 2, 15_000);
  const lines = await readLogs('tail=6');
  const instances = new Set(lines.map((l) => l.instance));
  assert.equal(instances.size, 2, JSON.stringify(lines));
  for (let i = 1; i < lines.length; i++) assert.ok(lines[i - 1]!.ts <= lines[i]!.ts, `in time order: ${lines[i - 1]!.ts} then ${lines[i]!.ts}`);
  assert.ok(lines.some((l) => l.stream === 'stdout' && /^tick \d+ from /.test(l.line)));
  const secretLines = lines.filter((l) => l.stream === 'stderr');
  assert.ok(secretLines.length > 0, 'the app printed its secret on stderr');
  for (const l of secretLines) assert.equal(l.line, 'token=********');
  assert.ok(!JSON.stringify(lines).includes(SECRET), 'no secret value in the answer');
  // One instance only.
  const one = [...instances][0]!;
  const only = await readLogs(`tail=3&instance=${one}`);
  assert.ok(only.length > 0 && only.every((l) => l.instance === one));
  // since: nothing from before.
  const since = new Date(Date.now() - 2000).toISOString();
  const recent = await readLogs(`since=${encodeURIComponent(since)}`);
  assert.ok(recent.every((l) => l.ts >= since.replace('Z', '')), JSON.stringify(recent));
});

test('logs?follow=true: a line printed after the stream opened arrives within 2 s', async () => {
  const controller = new AbortController();
  const response = await fetch(url(`/services/${serviceId}/logs?follow=true&tail=0`), { headers: { authorization: `Bearer ${slipway.server.token}` }, signal: controller.signal });
  assert.equal(response.status, 200);
  const opened = Date.now();
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let first: LogLine | undefined;
  try {
    while (!first && Date.now() - opened < 2000) {
      const chunk = await Promise.race([reader.read(), new Promise<undefined>((r) => setTimeout(r, 2000 - (Date.now() - opened)))]);
      if (!chunk || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      const complete = text.split('\n').slice(0, -1).filter((l) => l !== '');
      if (complete.length > 0) first = JSON.parse(complete[0]!) as LogLine;
    }
  } finally {
    controller.abort();
  }
  assert.ok(first, `a new line within 2 s of opening the stream (got ${JSON.stringify(text)})`);
  assert.ok(Date.parse(first.ts.slice(0, 23) + 'Z') >= opened - 1000, `a new line, not an old one: ${first.ts}`);
});

test('logs?follow=true: the instances a Restart starts join the stream that was open before it', async () => {
  const before = new Set((await runningContainers(serviceId)).map((c) => c.Id));
  const controller = new AbortController();
  const response = await fetch(url(`/services/${serviceId}/logs?follow=true&tail=0`), { headers: { authorization: `Bearer ${slipway.server.token}` }, signal: controller.signal });
  assert.equal(response.status, 200);
  const seen = new Set<string>();
  const reading = (async () => {
    const decoder = new TextDecoder();
    let text = '';
    const reader = response.body!.getReader();
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
        const lines = text.split('\n');
        text = lines.pop()!;
        for (const l of lines.filter((x) => x !== '')) seen.add((JSON.parse(l) as LogLine).instance);
      }
    } catch {
      // aborted below
    }
  })();
  try {
    const { detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'restart'));
    assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
    const after = (await runningContainers(serviceId)).map((c) => c.Id);
    assert.ok(after.every((id) => !before.has(id)), 'Restart replaced every container');
    await eventually('lines from both new instances on the open stream', async () => after.every((id) => seen.has(id)), 20_000);
  } finally {
    controller.abort();
    await reading;
  }
});

test('an instance killed from outside shows a restart', async () => {
  const [victim] = await runningContainers(serviceId);
  assert.ok(victim);
  // Every process of the container but its init: the app dies, the engine restarts the container.
  const exec = await docker.getContainer(victim.Id).exec({ Cmd: ['kill', '-9', '-1'] });
  await exec.start({});
  const restarted = await eventually(
    'the killed instance to show a restart',
    async () => (await slipway.api.expect<Instance[]>(200, 'GET', `/services/${serviceId}/instances`)).find((i) => i.id === victim.Id && i.restarts >= 1),
    20_000,
  );
  assert.equal(restarted.oomKilled, false);
  // The engine's inspect shows the new run (exit code 0); the code is the killed run's.
  assert.equal(restarted.exitCode, 137, 'the killed run exited on SIGKILL');
});

test('metrics: points appear while it runs (and on /metrics), and stop once it is stopped', async () => {
  type Metrics = { available: boolean; intervalSeconds: number; points: Array<{ ts: string; cpuPercent: number; memoryBytes: number }> };
  const metrics = await eventually(
    'two metric points',
    async () => {
      const m = await slipway.api.expect<Metrics>(200, 'GET', `/services/${serviceId}/metrics?window=10m`);
      return m.points.length >= 2 && m;
    },
    20_000,
  );
  assert.equal(metrics.available, true);
  assert.equal(metrics.intervalSeconds, 1);
  for (const p of metrics.points) {
    assert.ok(p.memoryBytes > 0 && p.memoryBytes <= 2 * 32 * 1024 * 1024, `memory of two 32 MB instances: ${p.memoryBytes}`);
    assert.ok(p.cpuPercent >= 0);
  }
  const scrape = await fetch(url('/metrics'), { headers: { authorization: `Bearer ${slipway.server.token}` } }).then((r) => r.text());
  assert.match(scrape, /slipway_service_memory_bytes\{project="obs-[^"]+",environment="staging",service="printer"\} \d+/);
  assert.match(scrape, /slipway_service_cpu_percent\{project="obs-[^"]+",environment="staging",service="printer"\} [\d.]+/);

  const { detail } = await runAction(slipway, serviceId, () => slipway.api.act(serviceId, 'stop'));
  assert.equal(detail.status, 'SUCCESS', detail.message ?? '');
  // A sampling may have been under way when the stop ended: let it land, then count.
  await new Promise((r) => setTimeout(r, 2000));
  const count = (await slipway.api.expect<Metrics>(200, 'GET', `/services/${serviceId}/metrics?window=10m`)).points.length;
  await new Promise((r) => setTimeout(r, 3000));
  const later = await slipway.api.expect<Metrics>(200, 'GET', `/services/${serviceId}/metrics?window=10m`);
  assert.equal(later.points.length, count, 'no point after the stop');
  const after = await fetch(url('/metrics'), { headers: { authorization: `Bearer ${slipway.server.token}` } }).then((r) => r.text());
  assert.doesNotMatch(after, /service="printer"/);
  assert.deepEqual(await slipway.api.expect<Instance[]>(200, 'GET', `/services/${serviceId}/instances`), []);
});
