import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type ImageSource } from '../../../src/domain/index.js';
import type { Builder, BuildJob, BuiltImage } from '../../../src/engine/builder.js';
import type { SubmitInput } from '../../../src/engine/control-plane.js';
import { Engine } from '../../../src/engine/engine.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Store } from '../../../src/store/store.js';
import { FakeRuntime } from '../../support/fake-runtime.js';

/**
 * The version deployed is the one shown
 * (docs/actions.md#the-version-deployed-is-the-version-shown): Deploy and Redeploy deploy the
 * pinned version, else the deployed one; only a never-deployed git service resolves its branch
 * head. The head moves a service only through Deploy latest version or Deploy other version.
 */

/** A branch whose head the test moves; records every head look-up and every build. */
class BranchBuilder implements Builder {
  head = 'a'.repeat(40);
  readonly headLookups: string[] = [];
  readonly builds: string[] = [];
  async headCommit(): Promise<string> {
    this.headLookups.push(this.head);
    return this.head;
  }
  imageOf(projectName: string, serviceName: string, commit: string) {
    return { name: `slipway/${projectName}-${serviceName}`, tag: commit };
  }
  async build(job: BuildJob): Promise<BuiltImage> {
    this.builds.push(job.commit);
    return { ...this.imageOf(job.projectName, job.serviceName, job.commit), commit: job.commit };
  }
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
let store: Store;
let engine: Engine;
let runtime: FakeRuntime;
let builder: BranchBuilder;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-versions-'));
  store = await createStore({ dataDir: dir, secretKey: 'k' });
  runtime = new FakeRuntime();
  builder = new BranchBuilder();
  engine = new Engine(store, { docker: runtime }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 }, builder);
  await engine.start();
});
after(async () => {
  await engine.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function environment(): Promise<string> {
  const project = await store.createProject({ name: `p-${Math.random().toString(36).slice(2, 8)}` });
  return (await store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
}

/** Runs an action to its end; the deployment must succeed. */
async function run(environmentId: string, a: SubmitInput['action'], extra: Partial<SubmitInput> = {}): Promise<string> {
  const { deploymentId } = await engine.submit({ environmentId, action: a, origin: 'API', triggeredBy: 'test', queue: true, ...extra });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const d = await store.getDeployment(deploymentId);
    if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') {
      assert.equal(d.status, 'SUCCESS', `${a}: ${d.message}`);
      return deploymentId;
    }
    if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} still ${d?.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The version the runtime was last given for a service, and the one the service shows. */
async function versions(serviceId: string): Promise<{ running: string | undefined; deployed: string | null; target: string | null }> {
  const service = (await store.getService(serviceId))!;
  return { running: runtime.running.get(serviceId)?.version, deployed: service.deployedVersion, target: service.targetVersion };
}

describe('git services', () => {
  test('Redeploy keeps the commit shown after the branch moved; Deploy latest moves it; Deploy other version pins', async () => {
    const env = await environment();
    const web = (
      await store.createService({
        environmentId: env,
        name: 'web',
        type: 'application',
        source: { git: { url: 'file:///repo.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } },
        settings: DEFAULT_SERVICE_SETTINGS,
      })
    ).id;
    builder.head = A;
    const lookups = builder.headLookups.length;

    // Never deployed: the branch head is resolved, once, and then shown.
    const first = await run(env, 'DEPLOY', { serviceId: web });
    assert.deepEqual(await versions(web), { running: A, deployed: A, target: null });
    assert.equal(builder.headLookups.length, lookups + 1);
    const recorded = (await store.getDeploymentDetail(first))!.stages[0]!.services[0]!.version;
    assert.equal(recorded, A);

    // A push to the branch: Redeploy (service and environment) still deploys A, without asking the remote.
    builder.head = B;
    await run(env, 'REDEPLOY', { serviceId: web });
    assert.deepEqual(await versions(web), { running: A, deployed: A, target: null });
    await run(env, 'REDEPLOY');
    assert.deepEqual(await versions(web), { running: A, deployed: A, target: null });
    assert.equal(builder.headLookups.length, lookups + 1, 'no head look-up on Redeploy');
    assert.ok(!builder.builds.includes(B));

    // Deploy latest version moves it to the head.
    await run(env, 'DEPLOY_LATEST', { serviceIds: [web] });
    assert.deepEqual(await versions(web), { running: B, deployed: B, target: null });

    // Deploy other version pins it; Redeploy keeps the pin, even with the head elsewhere.
    await run(env, 'DEPLOY_VERSION', { serviceId: web, version: A });
    assert.deepEqual(await versions(web), { running: A, deployed: A, target: A });
    await run(env, 'REDEPLOY', { serviceId: web });
    assert.deepEqual(await versions(web), { running: A, deployed: A, target: A });

    // Deploy latest unpins it again.
    await run(env, 'DEPLOY_LATEST', { serviceIds: [web] });
    assert.deepEqual(await versions(web), { running: B, deployed: B, target: null });
  });

  test('a lifecycle job from git is re-run at the commit shown, not the new head', async () => {
    const env = await environment();
    const migrate = (
      await store.createService({
        environmentId: env,
        name: 'migrate',
        type: 'job',
        source: {
          jobType: 'lifecycle',
          events: ['start'],
          source: { git: { url: 'file:///repo.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } },
          maxDurationSeconds: 60,
          maxRestarts: 0,
        },
        settings: DEFAULT_SERVICE_SETTINGS,
      })
    ).id;
    builder.head = A;
    await run(env, 'DEPLOY', { serviceId: migrate });
    builder.head = B;
    await run(env, 'REDEPLOY', { serviceId: migrate });
    const runs = runtime.jobRuns.filter((r) => r.serviceName === 'migrate').map((r) => r.spec.version);
    assert.deepEqual(runs, [A, A]);
    assert.equal((await store.getService(migrate))!.deployedVersion, A);
  });
});

describe('image services', () => {
  test('Redeploy deploys the pin, else the tag the source shows: a tag edit is a change Redeploy applies', async () => {
    const env = await environment();
    const box = (
      await store.createService({
        environmentId: env,
        name: 'box',
        type: 'container',
        source: { image: { name: 'registry.test/box', tag: 'v1' } },
        settings: DEFAULT_SERVICE_SETTINGS,
      })
    ).id;
    await run(env, 'DEPLOY', { serviceId: box });
    assert.deepEqual(await versions(box), { running: 'v1', deployed: 'v1', target: null });

    await run(env, 'DEPLOY_VERSION', { serviceId: box, version: 'v2' });
    await run(env, 'REDEPLOY', { serviceId: box });
    assert.deepEqual(await versions(box), { running: 'v2', deployed: 'v2', target: 'v2' });

    // The API unpins a service whose image tag is edited (service-input.ts): the edit is shown, Redeploy applies it.
    const source: ImageSource = { image: { name: 'registry.test/box', tag: 'v3' } };
    await store.updateService(box, { source, targetVersion: null });
    await run(env, 'REDEPLOY', { serviceId: box });
    assert.deepEqual(await versions(box), { running: 'v3', deployed: 'v3', target: null });
  });
});
