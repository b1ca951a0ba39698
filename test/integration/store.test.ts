import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_ENVIRONMENT_SETTINGS,
  DEFAULT_SERVICE_SETTINGS,
  deployedSpecDigest,
  deployedSpecOf,
  DomainError,
  type RequestedAction,
  type ServiceSettings,
} from '../../src/domain/index.js';
import type { Deployment, NewRequest, Store } from '../../src/store/store.js';
import { postgresBackend, sqliteBackend, type StoreBackend } from './store-backends.js';

/** One suite, run against SQLite and PostgreSQL alike. */
const backends: Array<[string, () => Promise<StoreBackend>]> = [
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
];

function deployRequest(serviceIds: string[], versions: Record<string, string> = {}): RequestedAction {
  return {
    action: Object.keys(versions).length > 0 ? 'DEPLOY_VERSION' : 'DEPLOY',
    level: 'service',
    serviceIds,
    versions,
  };
}

function newRequest(environmentId: string, request: RequestedAction): NewRequest {
  return { environmentId, request, origin: 'API', triggeredBy: 'tester' };
}

function settingsWithSecret(secretValue: string): ServiceSettings {
  return {
    ...DEFAULT_SERVICE_SETTINGS,
    ports: [{ containerPort: 80, public: true, protocol: 'http' }],
    env: [
      { key: 'PLAIN', value: 'visible-value', secret: false },
      { key: 'API_KEY', value: secretValue, secret: true },
    ],
  };
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof DomainError && error.code === code);
}

for (const [name, open] of backends) {
  describe(`store on ${name}`, () => {
    let backend: StoreBackend;
    let store: Store;

    before(async () => {
      backend = await open();
      store = await backend.openStore();
    });
    after(async () => {
      await backend?.dispose();
    });

    async function environment(envName: string) {
      const project = await store.createProject({ name: `p-${envName}` });
      return store.createEnvironment({
        projectId: project.id,
        name: envName,
        runtime: 'docker',
        settings: DEFAULT_ENVIRONMENT_SETTINGS,
      });
    }

    async function service(environmentId: string, serviceName: string) {
      return store.createService({
        environmentId,
        name: serviceName,
        type: 'container',
        source: { image: { name: 'busybox', tag: 'v1' } },
        settings: DEFAULT_SERVICE_SETTINGS,
      });
    }

    it('creates, lists and reads projects; the webhook secret is generated and not stored in clear', async () => {
      const project = await store.createProject({ name: 'shop' });
      assert.match(project.id, /^[0-9a-f-]{36}$/);
      assert.ok(project.webhookSecret.length >= 32);
      assert.ok(!Number.isNaN(Date.parse(project.createdAt)));
      assert.deepEqual(await store.getProject(project.id), { id: project.id, name: 'shop', createdAt: project.createdAt });
      assert.ok((await store.listProjects()).some((p) => p.id === project.id));
      assert.equal(await store.getWebhookSecret(project.id), project.webhookSecret);
      assert.equal(await store.getProject('00000000-0000-0000-0000-000000000000'), undefined);
      const [row] = await backend.rawRows('select * from projects where id = $1', [project.id]);
      assert.ok(!JSON.stringify(row).includes(project.webhookSecret));
    });

    it('stores only the hash of a token and authenticates by it', async () => {
      const before = await store.countTokens();
      const created = await store.createToken({ name: 'ci', role: 'deployer' });
      assert.match(created.token, /^slw_[A-Za-z0-9_-]{43}$/);
      assert.equal(await store.countTokens(), before + 1);

      const rows = await backend.rawRows('select * from tokens where id = $1', [created.id]);
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(created.token), 'the secret itself is not stored');
      assert.equal(rows[0]!.token_hash, createHash('sha256').update(created.token).digest('hex'));

      assert.deepEqual(await store.authenticate(created.token), {
        id: created.id,
        name: 'ci',
        role: 'deployer',
        createdAt: created.createdAt,
      });
      assert.equal(await store.authenticate(created.token + 'x'), undefined);
      assert.ok((await store.listTokens()).some((t) => t.id === created.id && !('token' in t)));

      const bootstrap = await store.createToken({ name: 'bootstrap', role: 'admin', secret: 'my-bootstrap-secret' });
      assert.equal(bootstrap.token, 'my-bootstrap-secret');
      assert.equal((await store.authenticate('my-bootstrap-secret'))?.role, 'admin');

      assert.equal(await store.deleteToken(created.id), true);
      assert.equal(await store.deleteToken(created.id), false);
      assert.equal(await store.authenticate(created.token), undefined);
    });

    it('creates, lists, reads and deletes environments; names are unique in a project', async () => {
      const project = await store.createProject({ name: 'envs' });
      const staging = await store.createEnvironment({
        projectId: project.id,
        name: 'staging',
        runtime: 'docker',
        settings: { maxParallelBuilds: 1, maxParallelDeploys: 3 },
      });
      assert.deepEqual(await store.getEnvironment(staging.id), staging);
      await store.createEnvironment({ projectId: project.id, name: 'prod', runtime: 'kubernetes', settings: DEFAULT_ENVIRONMENT_SETTINGS });
      assert.deepEqual(
        (await store.listEnvironments(project.id)).map((e) => e.name).sort(),
        ['prod', 'staging'],
      );
      await rejectsWithCode(
        store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS }),
        'CONFLICT',
      );
      assert.deepEqual(await store.listStages(staging.id), []);
      await store.deleteEnvironment(staging.id);
      assert.equal(await store.getEnvironment(staging.id), undefined);
      assert.deepEqual((await store.listEnvironments(project.id)).map((e) => e.name), ['prod']);
    });

    it('creates, updates and deletes services', async () => {
      const env = await environment('services');
      const api = await service(env.id, 'api');
      assert.equal(api.status, 'READY');
      assert.equal(api.deployedVersion, null);
      assert.equal(api.skipEnvironmentActions, false);
      assert.deepEqual(await store.getService(api.id), api);
      await rejectsWithCode(service(env.id, 'api'), 'CONFLICT');
      const worker = await service(env.id, 'worker');
      assert.deepEqual((await store.listServices(env.id)).map((s) => s.name).sort(), ['api', 'worker']);

      const updated = await store.updateService(api.id, {
        name: 'web',
        source: { image: { name: 'busybox', tag: 'v2' } },
        settings: { ...DEFAULT_SERVICE_SETTINGS, instances: 3 },
        stageId: 'custom',
        skipEnvironmentActions: true,
      });
      assert.equal(updated.name, 'web');
      assert.deepEqual(updated.source, { image: { name: 'busybox', tag: 'v2' } });
      assert.equal(updated.settings.instances, 3);
      assert.equal(updated.stageId, 'custom');
      assert.equal(updated.skipEnvironmentActions, true);
      assert.deepEqual(await store.getService(api.id), updated);
      await rejectsWithCode(store.updateService(api.id, { name: 'worker' }), 'CONFLICT');
      await rejectsWithCode(store.updateService('00000000-0000-0000-0000-000000000000', { name: 'x' }), 'NOT_FOUND');

      await store.setDeployedState(api.id, { deployedVersion: 'v2', deployedSpecHash: 'abc', deployedSpec: null });
      await store.setTargetVersion(api.id, 'v3');
      const after = await store.getService(api.id);
      assert.equal(after?.deployedVersion, 'v2');
      assert.equal(after?.deployedSpecHash, 'abc');
      assert.equal(after?.targetVersion, 'v3');

      await store.deleteService(worker.id);
      assert.equal(await store.getService(worker.id), undefined);
      assert.deepEqual((await store.listServices(env.id)).map((s) => s.name), ['web']);
    });

    it('encrypts secret env values at rest and returns them in clear', async () => {
      const env = await environment('secrets');
      const secret = 'hunter2-very-secret-value';
      const created = await store.createService({
        environmentId: env.id,
        name: 'app',
        type: 'container',
        source: { image: { name: 'busybox', tag: 'v1' } },
        settings: settingsWithSecret(secret),
      });
      assert.equal(created.settings.env.find((e) => e.key === 'API_KEY')?.value, secret);
      assert.equal((await store.getService(created.id))?.settings.env.find((e) => e.key === 'API_KEY')?.value, secret);

      const [row] = await backend.rawRows('select settings from services where id = $1', [created.id]);
      const stored = JSON.stringify(row);
      assert.ok(!stored.includes(secret), 'the clear secret is not in the database');
      assert.ok(stored.includes('visible-value'), 'non-secret values stay readable');

      const rotated = 'rotated-secret-value-42';
      const updated = await store.updateService(created.id, { settings: settingsWithSecret(rotated) });
      assert.equal(updated.settings.env.find((e) => e.key === 'API_KEY')?.value, rotated);
      const [row2] = await backend.rawRows('select settings from services where id = $1', [created.id]);
      assert.ok(!JSON.stringify(row2).includes(rotated));

      // Another store on the same data dir reads the same key file.
      const other = await backend.openStore();
      assert.equal((await other.getService(created.id))?.settings.env.find((e) => e.key === 'API_KEY')?.value, rotated);
      const keyFile = await stat(join(backend.dataDir, 'secret.key'));
      assert.equal(keyFile.mode & 0o777, 0o600);
      // A store with another key cannot read it: the value is really encrypted with the key.
      const wrongKey = await backend.openStore({ secretKey: 'not-the-key' });
      await assert.rejects(wrongKey.getService(created.id), /decrypt/);
    });

    it('keeps the deployed spec (source, settings, rollout) encrypted at rest and returns it', async () => {
      const env = await environment('deployed-spec');
      const secret = 'deployed-secret-value-7';
      const created = await store.createService({
        environmentId: env.id,
        name: 'app',
        type: 'container',
        source: { image: { name: 'busybox', tag: 'v1' } },
        settings: settingsWithSecret(secret),
      });
      assert.equal(created.deployedSpec, null, 'nothing deployed yet');
      const rollout = {
        image: 'sha256:abc', instances: 1, cpu: 500, memoryMb: 512, env: { API_KEY: secret, PLAIN: 'visible-value' }, ports: [],
        healthchecks: {}, storage: [], specHash: 'h1', version: 'v1', startTimeoutSeconds: 60, secretEnvKeys: ['API_KEY'],
      };
      const deployed = deployedSpecOf(created, rollout);
      await store.setDeployedState(created.id, { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpec: deployed });
      assert.deepEqual((await store.getService(created.id))?.deployedSpec, deployed);
      const [row] = await backend.rawRows('select * from services where id = $1', [created.id]);
      assert.ok(!JSON.stringify(row).includes(secret), 'the clear secret is not in the database');
      // Editing the settings leaves what was deployed as it was.
      await store.updateService(created.id, { settings: settingsWithSecret('edited-later') });
      assert.deepEqual((await store.getService(created.id))?.deployedSpec, deployed);
      // Its digest is kept beside it (what a redeploy without changes compares), and goes with it.
      assert.equal((await store.getService(created.id))?.deployedSpecDigest, deployedSpecDigest(deployed));
      assert.equal((await store.listServices(env.id))[0]?.deployedSpecDigest, deployedSpecDigest(deployed));
      await store.setDeployedState(created.id, { deployedVersion: 'v1', deployedSpecHash: 'h1', deployedSpec: null });
      const cleared = await store.getService(created.id);
      assert.equal(cleared?.deployedSpec, null);
      assert.equal(cleared?.deployedSpecDigest, null);
    });

    it("lists an environment's service states (id, status, skipped by environment actions) in listServices' order", async () => {
      const env = await environment('states');
      const b = await service(env.id, 'b');
      const a = await service(env.id, 'a');
      await store.updateService(a.id, { skipEnvironmentActions: true });
      await store.setServiceStatus(b.id, 'QUEUED');
      const states = await store.listServiceStates(env.id);
      assert.deepEqual(
        states,
        (await store.listServices(env.id)).map((s) => ({ id: s.id, status: s.status, skipEnvironmentActions: s.skipEnvironmentActions })),
      );
      assert.deepEqual(states.map((s) => [s.status, s.skipEnvironmentActions]).sort(), [['QUEUED', false], ['READY', true]]);
      assert.deepEqual(await store.listServiceStates((await environment('empty-states')).id), []);
    });

    it('refuses an illegal status transition and allows a legal one', async () => {
      const env = await environment('transitions');
      const svc = await service(env.id, 'svc');
      await rejectsWithCode(store.setServiceStatus(svc.id, 'DEPLOYED'), 'ILLEGAL_TRANSITION');
      assert.equal((await store.getService(svc.id))?.status, 'READY');
      const queued = await store.setServiceStatus(svc.id, 'QUEUED');
      assert.equal(queued.status, 'QUEUED');
      const failed = await store.setServiceStatus(svc.id, 'DEPLOYMENT_ERROR', 'image not found');
      assert.equal(failed.status, 'DEPLOYMENT_ERROR');
      assert.equal(failed.statusMessage, 'image not found');
      await rejectsWithCode(store.setServiceStatus('00000000-0000-0000-0000-000000000000', 'QUEUED'), 'NOT_FOUND');
    });

    it('moves a status in one compare-and-set: only from the status named, only along the table', async () => {
      const env = await environment('status-cas');
      const svc = await service(env.id, 'svc');
      await rejectsWithCode(store.moveServiceStatus(svc.id, 'READY', 'DEPLOYED', null), 'ILLEGAL_TRANSITION');
      assert.equal(await store.moveServiceStatus(svc.id, 'DEPLOYING', 'DEPLOYED', null), false, 'not in the status named: nothing moves');
      assert.equal((await store.getService(svc.id))?.status, 'READY');
      assert.equal(await store.moveServiceStatus(svc.id, 'READY', 'QUEUED', 'waiting'), true);
      const moved = await store.getService(svc.id);
      assert.deepEqual([moved?.status, moved?.statusMessage], ['QUEUED', 'waiting']);
      assert.equal(await store.moveServiceStatus('00000000-0000-0000-0000-000000000000', 'READY', 'QUEUED', null), false);
    });

    it('checks a transition against the status it replaces when two writers race', async () => {
      const env = await environment('status-race');
      const svc = await service(env.id, 'svc');
      await store.setServiceStatus(svc.id, 'QUEUED');
      await store.setServiceStatus(svc.id, 'DEPLOYING');
      const other = await backend.openStore();
      // From DEPLOYING both are legal, but neither is legal from the other: only one may win.
      const results = await Promise.allSettled([
        store.setServiceStatus(svc.id, 'DEPLOYED'),
        other.setServiceStatus(svc.id, 'CANCELED'),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      assert.ok(lost[0]!.reason instanceof DomainError && lost[0]!.reason.code === 'ILLEGAL_TRANSITION');
      const final = (await store.getService(svc.id))?.status;
      assert.equal(final, (won[0] as PromiseFulfilledResult<{ status: string }>).value.status);
    });

    it('queues FIFO by sequence, merges identical waiting requests and reports positions', async () => {
      const env = await environment('queue');
      const [a, b] = [await service(env.id, 'a'), await service(env.id, 'b')];
      const first = await store.enqueue(newRequest(env.id, deployRequest([a.id])));
      // A clock going backwards must not reorder the queue.
      backend.advanceClock(-60_000);
      const second = await store.enqueue(newRequest(env.id, deployRequest([b.id])));
      const third = await store.enqueue(newRequest(env.id, deployRequest([a.id], { [a.id]: 'v2' })));
      backend.advanceClock(60_000);
      assert.equal(first.merged, false);
      assert.equal(first.deployment.status, 'QUEUED');
      assert.equal(first.deployment.origin, 'API');
      assert.equal(first.deployment.triggeredBy, 'tester');
      assert.deepEqual(first.deployment.request, deployRequest([a.id]));

      const merged = await store.enqueue({ ...newRequest(env.id, deployRequest([b.id])), origin: 'CLI' });
      assert.equal(merged.merged, true);
      assert.equal(merged.deployment.id, second.deployment.id);

      assert.deepEqual(
        (await store.listWaiting(env.id)).map((d) => d.id),
        [first.deployment.id, second.deployment.id, third.deployment.id],
      );
      assert.equal(await store.position(first.deployment.id), 1);
      assert.equal(await store.position(second.deployment.id), 2);
      assert.equal(await store.position(third.deployment.id), 3);
      assert.ok((await store.environmentsReadyToRun()).includes(env.id));

      const claimed = await store.claimNext(env.id, 'owner-1', 30_000);
      assert.equal(claimed?.id, first.deployment.id);
      assert.equal(claimed?.status, 'RUNNING');
      assert.equal(claimed?.leaseOwner, 'owner-1');
      assert.ok(claimed?.startedAt);
      assert.equal((await store.getRunning(env.id))?.id, first.deployment.id);
      assert.equal(await store.position(first.deployment.id), 0);
      assert.equal(await store.position(second.deployment.id), 1);
      assert.equal(await store.position(third.deployment.id), 2);
      assert.ok(!(await store.environmentsReadyToRun()).includes(env.id), 'an environment with a running request is not ready');
      assert.equal(await store.claimNext(env.id, 'owner-2', 30_000), undefined, 'one request at a time');

      // A request identical to the running one is a new request, not merged into it.
      const again = await store.enqueue(newRequest(env.id, deployRequest([a.id])));
      assert.equal(again.merged, false);
      assert.notEqual(again.deployment.id, first.deployment.id);

      assert.equal(await store.finishDeployment(first.deployment.id, 'SUCCESS', null), true);
      assert.equal(await store.position(first.deployment.id), null);
      assert.equal((await store.claimNext(env.id, 'owner-2', 30_000))?.id, second.deployment.id);
    });

    it('merges concurrent identical enqueues, across stores, into one request', async () => {
      const env = await environment('merge-race');
      const svc = await service(env.id, 'svc');
      const other = await backend.openStore();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? store : other).enqueue(newRequest(env.id, deployRequest([svc.id])))),
      );
      assert.equal(new Set(results.map((r) => r.deployment.id)).size, 1);
      assert.equal(results.filter((r) => !r.merged).length, 1);
      assert.equal((await store.listWaiting(env.id)).length, 1);
    });

    it('lets at most one request run per environment under concurrent claims from two stores', async () => {
      const env = await environment('claim-race');
      const svc = await service(env.id, 'svc');
      const other = await backend.openStore();
      const total = 25;
      for (let i = 0; i < total; i++) {
        await store.enqueue(newRequest(env.id, deployRequest([svc.id], { [svc.id]: `v${i}` })));
      }
      let running = 0;
      let maxRunning = 0;
      const claims = new Map<string, number>();
      const order: string[] = [];
      const worker = async (s: Store, owner: string): Promise<void> => {
        for (;;) {
          const claimed = await s.claimNext(env.id, owner, 60_000);
          if (claimed) {
            running++;
            maxRunning = Math.max(maxRunning, running);
            claims.set(claimed.id, (claims.get(claimed.id) ?? 0) + 1);
            order.push(claimed.id);
            const inDb = await s.getRunning(env.id);
            assert.equal(inDb?.id, claimed.id, 'the database shows the claimed request as the one running');
            // Leave the in-memory count before the database frees the environment.
            running--;
            assert.equal(await s.finishDeployment(claimed.id, 'SUCCESS', null), true);
            continue;
          }
          if ((await s.listWaiting(env.id)).length === 0 && !(await s.getRunning(env.id))) return;
        }
      };
      await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => worker(store, `a${i}`)),
        ...Array.from({ length: 4 }, (_, i) => worker(other, `b${i}`)),
      ]);
      assert.equal(maxRunning, 1, 'never two requests running at once');
      assert.equal(claims.size, total, 'every request was claimed');
      assert.ok([...claims.values()].every((n) => n === 1), 'no request was claimed twice');
      const history = await store.listDeployments({ environmentId: env.id }, { limit: 100 });
      assert.ok(history.items.every((d) => d.status === 'SUCCESS'));
      // FIFO: claimed in the order they were enqueued.
      assert.deepEqual(order, history.items.map((d) => d.id).reverse());
    });

    it('startIfIdle records a request already RUNNING only on an idle environment, one winner across stores', async () => {
      const env = await environment('start-idle');
      const svc = await service(env.id, 'svc');
      const other = await backend.openStore();
      // Concurrent starts from two stores (two processes): exactly one runs.
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? store : other).startIfIdle(newRequest(env.id, deployRequest([svc.id], { [svc.id]: `v${i}` })), `owner-${i}`, 30_000)),
      );
      const started = results.filter((d) => d !== undefined);
      assert.equal(started.length, 1);
      const winner = started[0]!;
      assert.equal(winner.status, 'RUNNING');
      assert.ok(winner.leaseOwner?.startsWith('owner-'));
      assert.ok(winner.startedAt);
      assert.equal((await store.getRunning(env.id))?.id, winner.id);
      assert.equal(await store.position(winner.id), 0);
      assert.deepEqual(await store.listWaiting(env.id), [], 'nothing was left queued');
      // Not idle: running, then waiting.
      assert.equal(await store.startIfIdle(newRequest(env.id, deployRequest([svc.id])), 'late', 30_000), undefined);
      await store.finishDeployment(winner.id, 'SUCCESS', null);
      const waiting = await store.enqueue(newRequest(env.id, deployRequest([svc.id])));
      assert.equal(await other.startIfIdle(newRequest(env.id, deployRequest([svc.id], { [svc.id]: 'v9' })), 'late', 30_000), undefined, 'a waiting request goes first');
      assert.equal((await store.claimNext(env.id, 'next', 30_000))?.id, waiting.deployment.id);
    });

    it('renews, expires and takes over leases', async () => {
      const env = await environment('leases');
      const svc = await service(env.id, 'svc');
      const { deployment } = await store.enqueue(newRequest(env.id, deployRequest([svc.id])));
      await store.claimNext(env.id, 'alive', 10_000);
      assert.equal(await store.renewLease(deployment.id, 'alive', 10_000), true);
      assert.equal(await store.renewLease(deployment.id, 'intruder', 10_000), false);
      assert.ok(!(await store.listExpiredLeases()).some((d) => d.id === deployment.id));
      assert.equal(await store.takeOverLease(deployment.id, 'alive', 'rescuer', 10_000), false, 'a live lease is not taken over');

      backend.advanceClock(20_000);
      const expired = (await store.listExpiredLeases()).find((d) => d.id === deployment.id);
      assert.equal(expired?.leaseOwner, 'alive');
      assert.equal(await store.takeOverLease(deployment.id, 'someone-else', 'rescuer', 10_000), false);
      assert.equal(await store.takeOverLease(deployment.id, 'alive', 'rescuer', 10_000), true);
      assert.equal(await store.takeOverLease(deployment.id, 'alive', 'late', 10_000), false, 'taken over once');
      const now = await store.getDeployment(deployment.id);
      assert.equal(now?.leaseOwner, 'rescuer');
      assert.ok(Date.parse(now!.leaseExpiresAt!) > Date.now() + 20_000);
      assert.ok(!(await store.listExpiredLeases()).some((d) => d.id === deployment.id));
      assert.equal(await store.renewLease(deployment.id, 'alive', 10_000), false, 'the old owner lost it');
      assert.equal(await store.renewLease(deployment.id, 'rescuer', 10_000), true);
      await store.finishDeployment(deployment.id, 'ERROR', 'interrupted');
      backend.advanceClock(60_000);
      assert.ok(!(await store.listExpiredLeases()).some((d) => d.id === deployment.id), 'finished ones are not listed');
      assert.equal(await store.renewLease(deployment.id, 'rescuer', 10_000), false);
    });

    it('finishes a deployment only once', async () => {
      const env = await environment('finish');
      const svc = await service(env.id, 'svc');
      const { deployment } = await store.enqueue(newRequest(env.id, deployRequest([svc.id])));
      await store.claimNext(env.id, 'me', 10_000);
      assert.equal(await store.finishDeployment(deployment.id, 'ERROR', 'build failed'), true);
      assert.equal(await store.finishDeployment(deployment.id, 'SUCCESS', null), false);
      const done = await store.getDeployment(deployment.id);
      assert.equal(done?.status, 'ERROR');
      assert.equal(done?.message, 'build failed');
      assert.ok(done?.endedAt);
      assert.equal(await store.getRunning(env.id), undefined, 'the environment is free again');

      const waiting = await store.enqueue(newRequest(env.id, deployRequest([svc.id])));
      assert.equal(await store.finishDeployment(waiting.deployment.id, 'SKIPPED', 'not available'), true);
      assert.equal((await store.getDeployment(waiting.deployment.id))?.status, 'SKIPPED');
    });

    it('sets cancel flags without taking force back', async () => {
      const env = await environment('cancel');
      const svc = await service(env.id, 'svc');
      const { deployment } = await store.enqueue(newRequest(env.id, deployRequest([svc.id])));
      await store.claimNext(env.id, 'me', 10_000);
      assert.equal((await store.getDeployment(deployment.id))?.cancelRequested, false);
      await store.requestCancel(deployment.id, false);
      let d = await store.getDeployment(deployment.id);
      assert.equal(d?.cancelRequested, true);
      assert.equal(d?.forceCancel, false);
      await store.requestCancel(deployment.id, true);
      await store.requestCancel(deployment.id, false);
      d = await store.getDeployment(deployment.id);
      assert.equal(d?.cancelRequested, true);
      assert.equal(d?.forceCancel, true);
    });

    it('removes a waiting request, and only a waiting one', async () => {
      const env = await environment('remove');
      const [a, b] = [await service(env.id, 'a'), await service(env.id, 'b')];
      const running = await store.enqueue(newRequest(env.id, deployRequest([a.id])));
      const waiting = await store.enqueue(newRequest(env.id, deployRequest([b.id])));
      await store.claimNext(env.id, 'me', 10_000);
      assert.equal(await store.removeWaiting(running.deployment.id), false);
      assert.equal(await store.removeWaiting(waiting.deployment.id), true);
      assert.equal(await store.removeWaiting(waiting.deployment.id), false);
      const removed = await store.getDeployment(waiting.deployment.id);
      assert.equal(removed?.status, 'CANCELED');
      assert.equal(removed?.message, 'removed from the queue');
      assert.deepEqual(await store.listWaiting(env.id), []);
      // The same request can be queued again afterwards.
      assert.equal((await store.enqueue(newRequest(env.id, deployRequest([b.id])))).merged, false);
    });

    it('assembles a deployment detail: stages as recorded, services, steps', async () => {
      const env = await environment('detail');
      const [db, app, web] = [await service(env.id, 'db'), await service(env.id, 'app'), await service(env.id, 'web')];
      const { deployment } = await store.enqueue({
        environmentId: env.id,
        request: { action: 'STOP', level: 'environment', serviceIds: [], versions: {} },
        origin: 'CONSOLE',
        triggeredBy: 'ops',
      });
      await store.claimNext(env.id, 'me', 10_000);
      // Stop runs stages in reverse: applications first, databases last.
      await store.recordDeploymentServices(deployment.id, [
        { serviceId: app.id, name: 'app', type: 'application', stageName: 'applications', stageOrder: 500, version: 'abc1234', status: 'STOP_QUEUED' },
        { serviceId: web.id, name: 'web', type: 'application', stageName: 'applications', stageOrder: 500, version: 'abc1234', status: 'STOP_QUEUED' },
        { serviceId: db.id, name: 'db', type: 'database', stageName: 'databases', stageOrder: 100, version: null, status: 'STOP_QUEUED' },
      ]);
      let detail = await store.getDeploymentDetail(deployment.id);
      assert.deepEqual(detail?.stages.map((s) => [s.name, s.order, s.status]), [
        ['applications', 500, 'PENDING'],
        ['databases', 100, 'PENDING'],
      ]);

      await store.setDeploymentServiceStatus(deployment.id, app.id, 'STOPPING');
      const step = await store.startStep(deployment.id, app.id, 'STOP', 'stopping 2 instances');
      detail = await store.getDeploymentDetail(deployment.id);
      assert.equal(detail?.stages[0]?.status, 'RUNNING');
      assert.deepEqual(detail?.stages[0]?.services[0]?.steps.map((s) => [s.name, s.status, s.durationMs, s.message]), [
        ['STOP', 'RUNNING', null, 'stopping 2 instances'],
      ]);

      backend.advanceClock(1500);
      await store.finishStep(step, 'SUCCESS');
      await store.setDeploymentServiceStatus(deployment.id, app.id, 'STOPPED');
      const webStep = await store.startStep(deployment.id, web.id, 'STOP');
      await store.finishStep(webStep, 'ERROR', 'container would not stop');
      await store.setDeploymentServiceStatus(deployment.id, web.id, 'STOP_ERROR');
      await store.setDeploymentServiceStatus(deployment.id, db.id, 'CANCELED');
      await store.finishDeployment(deployment.id, 'ERROR', 'web: container would not stop');

      detail = await store.getDeploymentDetail(deployment.id);
      assert.equal(detail?.status, 'ERROR');
      assert.equal(detail?.origin, 'CONSOLE');
      assert.deepEqual(detail?.stages.map((s) => [s.name, s.status, s.services.map((x) => [x.name, x.status])]), [
        ['applications', 'ERROR', [['app', 'STOPPED'], ['web', 'STOP_ERROR']]],
        ['databases', 'CANCELED', [['db', 'CANCELED']]],
      ]);
      const appRecord = detail?.stages[0]?.services[0];
      assert.equal(appRecord?.version, 'abc1234');
      assert.equal(appRecord?.type, 'application');
      const appStep = appRecord?.steps[0];
      assert.equal(appStep?.status, 'SUCCESS');
      assert.equal(appStep?.message, 'stopping 2 instances');
      assert.ok(appStep!.durationMs! >= 1500);
      assert.equal(detail?.stages[0]?.services[1]?.steps[0]?.message, 'container would not stop');
      assert.equal(await store.getDeploymentDetail('00000000-0000-0000-0000-000000000000'), undefined);
    });

    it('reads logs after a seq, in order', async () => {
      const env = await environment('logs');
      const svc = await service(env.id, 'svc');
      const { deployment } = await store.enqueue(newRequest(env.id, deployRequest([svc.id])));
      for (let i = 0; i < 5; i++) {
        await store.appendLog(deployment.id, {
          ts: new Date().toISOString(),
          serviceId: i === 0 ? null : svc.id,
          step: i === 0 ? null : 'BUILD',
          level: i === 4 ? 'error' : 'info',
          message: `line ${i}`,
        });
      }
      const all = await store.readLogs(deployment.id);
      assert.deepEqual(all.map((l) => l.message), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
      assert.ok(all.every((l, i) => i === 0 || l.seq > all[i - 1]!.seq), 'seq increases');
      assert.equal(all[0]?.serviceId, null);
      assert.equal(all[1]?.step, 'BUILD');
      assert.equal(all[4]?.level, 'error');
      assert.deepEqual((await store.readLogs(deployment.id, all[1]!.seq)).map((l) => l.message), ['line 2', 'line 3', 'line 4']);
      assert.deepEqual((await store.readLogs(deployment.id, all[1]!.seq, 2)).map((l) => l.message), ['line 2', 'line 3']);
      assert.deepEqual(await store.readLogs(deployment.id, all[4]!.seq), []);
    });

    it('pages through history newest first and filters it by service', async () => {
      const env = await environment('history');
      const [a, b] = [await service(env.id, 'a'), await service(env.id, 'b')];
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { deployment } = await store.enqueue(newRequest(env.id, deployRequest([i % 2 ? b.id : a.id], { [i % 2 ? b.id : a.id]: `v${i}` })));
        ids.push(deployment.id);
      }
      // An environment-level request names no service; it touched b once it started.
      const envLevel = await store.enqueue({
        environmentId: env.id,
        request: { action: 'REDEPLOY', level: 'environment', serviceIds: [], versions: {} },
        origin: 'API',
        triggeredBy: 'tester',
      });
      ids.push(envLevel.deployment.id);
      await store.recordDeploymentServices(envLevel.deployment.id, [
        { serviceId: b.id, name: 'b', type: 'container', stageName: 'containers', stageOrder: 400, version: 'v1', status: 'QUEUED' },
      ]);

      const seen: Deployment[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listDeployments({ environmentId: env.id }, { limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 2);
      assert.deepEqual(seen.map((d) => d.id), [...ids].reverse());

      const ofB = await store.listDeployments({ serviceId: b.id }, { limit: 10 });
      assert.deepEqual(ofB.items.map((d) => d.id), [ids[5], ids[3], ids[1]]);
      assert.equal(ofB.nextCursor, undefined);
      const ofA = await store.listDeployments({ environmentId: env.id, serviceId: a.id }, { limit: 10 });
      assert.deepEqual(ofA.items.map((d) => d.id), [ids[4], ids[2], ids[0]]);
      await rejectsWithCode(store.listDeployments({}, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' }), 'VALIDATION_FAILED');
    });

    it('allocates stable, unique host ports', async () => {
      const env = await environment('ports');
      const [a, b, c] = [await service(env.id, 'a'), await service(env.id, 'b'), await service(env.id, 'c')];
      const range = { from: 41000, to: 41003 };
      const a80 = await store.allocateHostPort(a.id, 80, range);
      assert.equal(a80, 41000);
      assert.equal(await store.allocateHostPort(a.id, 80, range), a80, 'stable');
      assert.equal(await store.allocateHostPort(a.id, 443, range), 41001);
      assert.equal(await store.allocateHostPort(b.id, 80, range), 41002);
      assert.deepEqual(await store.listHostPorts(a.id), [
        { serviceId: a.id, containerPort: 80, hostPort: 41000 },
        { serviceId: a.id, containerPort: 443, hostPort: 41001 },
      ]);
      await store.releaseHostPorts(a.id);
      assert.deepEqual(await store.listHostPorts(a.id), []);
      assert.equal(await store.allocateHostPort(c.id, 80, range), 41000, 'the lowest free port');
      assert.equal(await store.allocateHostPort(b.id, 80, range), 41002, 'still stable');

      // Concurrent allocations, from two stores, never share a port.
      const other = await backend.openStore();
      const many = await Promise.all(
        [a, b, c].flatMap((s, i) => [8080, 9090].map((p, j) => ((i + j) % 2 ? store : other).allocateHostPort(s.id, p, { from: 42000, to: 42100 }))),
      );
      assert.equal(new Set(many).size, many.length);
      await assert.rejects(store.allocateHostPort(a.id, 1, { from: 41000, to: 41000 }), /no free host port/);
    });

    it('deletes an environment with its services and ports but keeps its deployment history', async () => {
      const env = await environment('cascade');
      const svc = await service(env.id, 'svc');
      await store.allocateHostPort(svc.id, 80, { from: 43000, to: 43010 });
      const { deployment } = await store.enqueue(newRequest(env.id, deployRequest([svc.id])));
      await store.claimNext(env.id, 'me', 10_000);
      await store.recordDeploymentServices(deployment.id, [
        { serviceId: svc.id, name: 'svc', type: 'container', stageName: 'containers', stageOrder: 400, version: 'v1', status: 'DELETE_QUEUED' },
      ]);
      await store.appendLog(deployment.id, { ts: new Date().toISOString(), serviceId: svc.id, step: 'DELETE', level: 'info', message: 'bye' });

      await store.deleteEnvironment(env.id);
      assert.equal(await store.getService(svc.id), undefined);
      assert.deepEqual(await store.listHostPorts(svc.id), []);
      // The running deployment can still be finished and read.
      assert.equal(await store.finishDeployment(deployment.id, 'SUCCESS', null), true);
      const detail = await store.getDeploymentDetail(deployment.id);
      assert.equal(detail?.stages[0]?.services[0]?.name, 'svc');
      assert.deepEqual((await store.readLogs(deployment.id)).map((l) => l.message), ['bye']);
      assert.deepEqual((await store.listDeployments({ serviceId: svc.id }, { limit: 5 })).items.map((d) => d.id), [deployment.id]);
    });
  });
}
