import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type JobSource } from '../../../src/domain/index.js';
import { Engine } from '../../../src/engine/engine.js';
import { createStore } from '../../../src/store/create-store.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

/**
 * Two engines sharing one database (as two Slipway processes share PostgreSQL): a cron job
 * deployed through one is scheduled by the other too, so it keeps running when the first stops.
 */

const dir = mkdtempSync(join(tmpdir(), 'slipway-cron-sync-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a cron job deployed through one process keeps running through another after the first stops', async () => {
  const storeA = await createStore({ dataDir: dir, secretKey: 'k' });
  const storeB = await createStore({ dataDir: dir, secretKey: 'k' });
  const runtimeA = new FakeRuntime();
  const runtimeB = new FakeRuntime();
  const options = { pollMs: 50, sweepMs: 100, leaseMs: 2_000 };
  const a = new Engine(storeA, { docker: runtimeA }, pino({ level: 'silent' }), options);
  const b = new Engine(storeB, { docker: runtimeB }, pino({ level: 'silent' }), options);
  await a.start();
  await b.start();
  try {
    const project = await storeA.createProject({ name: 'crons' });
    const env = await storeA.createEnvironment({ projectId: project.id, name: 'prod', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    const source: JobSource = {
      jobType: 'cron',
      schedule: '* * * * * *',
      source: { image: { name: 'registry.test/tick', tag: 'v1' } },
      maxDurationSeconds: 30,
      maxRestarts: 0,
    };
    const cron = (await storeA.createService({ environmentId: env.id, name: 'tick', type: 'job', source, settings: DEFAULT_SERVICE_SETTINGS })).id;
    const deployed = await a.submit({ environmentId: env.id, action: 'DEPLOY', serviceId: cron, origin: 'API', triggeredBy: 'test', queue: true });
    await until('the deploy to end', async () => (await storeA.getDeployment(deployed.deploymentId))?.status === 'SUCCESS');
    assert.equal(a.scheduler.isInstalled(cron), true);
    // B learns of the schedule from the store, with the spec A deployed.
    await until('the other process to schedule the job', () => b.scheduler.isInstalled(cron));
    assert.equal(b.scheduler.installedSpecHash(cron), (await storeB.getService(cron))!.deployedSpecHash);

    await a.close();
    const runsBefore = runtimeB.jobRuns.length;
    await until('a run started by the remaining process', () => runtimeB.jobRuns.length > runsBefore);
    assert.equal(runtimeB.jobRuns.at(-1)!.serviceName, 'tick');
  } finally {
    await a.close();
    await b.close();
    await storeA.close();
    await storeB.close();
  }
});
