import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1CronJob, V1Job, V1Secret } from '@kubernetes/client-node';
import { LABEL, cronJobName, labelSelector, namespaceName, selectorLabels } from '../../../src/runtime/kubernetes/names-and-labels.js';
import type { OperationContext } from '../../../src/runtime/runtime.js';
import { KubeFixture } from './fixture.js';

/**
 * Jobs on Kubernetes through the real Engine (docs/runtimes.md#kubernetes): a lifecycle job's run
 * is a Job the Job controller and kwok carry out (kwok's pod-complete stage ends it with 0;
 * KWOK_NEVER_READY keeps it running; KWOK_EXIT_CODE makes Slipway's pod-fail stage end it with that
 * code), and a cron job is a CronJob that Stop suspends, Redeploy resumes and Delete removes.
 */
describe('kubernetes runtime: lifecycle jobs as Jobs, cron jobs as CronJobs', () => {
  let f: KubeFixture;
  before(async () => (f = await KubeFixture.create()));
  after(async () => f?.close());

  async function jobs(serviceId: string): Promise<V1Job[]> {
    return (await f.runtime.cluster.list<V1Job>('batch/v1', 'Job', await f.namespaceOf(serviceId), labelSelector(selectorLabels(serviceId)))).items;
  }
  async function secrets(serviceId: string): Promise<V1Secret[]> {
    return (await f.runtime.cluster.list<V1Secret>('v1', 'Secret', await f.namespaceOf(serviceId), labelSelector(selectorLabels(serviceId)))).items;
  }
  async function cronJob(serviceId: string): Promise<V1CronJob | null> {
    return f.runtime.cluster.read<V1CronJob>({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: cronJobName(serviceId), namespace: await f.namespaceOf(serviceId) } });
  }
  /** The first Job of the service seen while `during` runs (the run removes it afterwards). */
  async function jobSeenDuring<T>(serviceId: string, during: Promise<T>): Promise<{ job: V1Job | undefined; secret: V1Secret | undefined; result: T }> {
    let job: V1Job | undefined;
    let secret: V1Secret | undefined;
    let done = false;
    const watching = (async () => {
      while (!done && !job) {
        const found = await jobs(serviceId);
        if (found[0]) {
          job = found[0];
          secret = (await secrets(serviceId))[0];
        } else await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const result = await during.finally(() => (done = true));
    await watching;
    return { job, secret, result };
  }

  test('a lifecycle job runs as a Job (backoffLimit 0, deadline, secret env in a Secret) and the service ends DEPLOYED; nothing is left', async () => {
    const env = await f.environment();
    const migrate = await f.job(env, 'migrate', { maxDurationSeconds: 120 }, {
      env: [
        { key: 'MODE', value: 'up', secret: false },
        { key: 'DB_TOKEN', value: 'job-s3cret-value', secret: true },
      ],
    });
    const mark = f.statusPath(migrate).length;
    const { job, secret, result } = await jobSeenDuring(migrate, f.run(env, 'DEPLOY', { serviceId: migrate }));
    assert.equal(result.status, 'SUCCESS');
    assert.deepEqual(f.lastPath(migrate, mark), ['QUEUED', 'EXECUTING', 'DEPLOYED']);

    assert.ok(job, 'a Job was created for the run');
    assert.equal(job.spec?.backoffLimit, 0);
    assert.equal(job.spec?.activeDeadlineSeconds, 120);
    assert.equal(job.metadata?.labels?.[LABEL.environment], env);
    assert.equal(job.metadata?.labels?.[LABEL.service], migrate);
    const pod = job.spec?.template;
    assert.equal(pod?.spec?.restartPolicy, 'Never');
    assert.equal(pod?.metadata?.labels?.[LABEL.jobService], migrate);
    assert.equal(pod?.metadata?.labels?.[LABEL.service], undefined, 'a run is not an instance of the service');
    const envVars = pod?.spec?.containers[0]?.env ?? [];
    assert.equal(envVars.find((e) => e.name === 'MODE')?.value, 'up', 'plain values stay inline');
    const token = envVars.find((e) => e.name === 'DB_TOKEN');
    assert.equal(token?.value, undefined, 'no secret value in the Job');
    assert.equal(token?.valueFrom?.secretKeyRef?.name, secret?.metadata?.name);
    assert.equal(Buffer.from(secret?.data?.DB_TOKEN ?? '', 'base64').toString(), 'job-s3cret-value');
    assert.equal(JSON.stringify(job).includes('job-s3cret-value'), false);

    // The finished run is removed: its Job (and pod, foreground) and its Secret.
    assert.deepEqual(await jobs(migrate), []);
    assert.deepEqual(await secrets(migrate), []);
    const service = (await f.store.getService(migrate))!;
    assert.equal(service.deployedVersion, 'v1');

    // Stop: every job ends STOPPED.
    const stopMark = f.statusPath(migrate).length;
    assert.equal((await f.run(env, 'STOP', { serviceId: migrate })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(migrate, stopMark), ['STOP_QUEUED', 'STOPPING', 'STOPPED']);
  });

  test('a run that outlives maxDurationSeconds is ended by the Job deadline: DEPLOYMENT_ERROR', async () => {
    const env = await f.environment();
    // kwok never makes this pod ready, so it never completes: the Job's activeDeadlineSeconds ends it.
    const stuck = await f.job(env, 'stuck', { maxDurationSeconds: 2 }, { env: [{ key: 'KWOK_NEVER_READY', value: 'true', secret: false }] });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: stuck })).status, 'ERROR');
    const service = (await f.store.getService(stuck))!;
    assert.equal(service.status, 'DEPLOYMENT_ERROR');
    assert.match(service.statusMessage ?? '', /did not end within maxDurationSeconds \(2 s\)/);
    assert.deepEqual(await jobs(stuck), []);
  });

  test('a run whose pod fails: the exit code reported, retried maxRestarts times, DEPLOYMENT_ERROR', async (t) => {
    const env = await f.environment();
    // Does the running kwok have Slipway's pod-fail stage (scripts/k8s/stages/pod-fail.yaml)?
    // A control plane started before it was added completes every Job's pod with 0.
    const namespace = namespaceName(env);
    await f.runtime.prepareEnvironment({ projectId: 'p', projectName: 'p', environmentId: env, environmentName: 'e' }, { signal: new AbortController().signal, log: () => undefined });
    const probe = await f.runtime.cluster.apply<V1Job & { metadata: { name: string } }>({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'kwok-stage-probe', namespace },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'probe', env: [{ name: 'KWOK_EXIT_CODE', value: '3' }] }] } } },
    });
    let ended: string | undefined;
    await f.until('the probe Job ended', async () => {
      const job = await f.runtime.cluster.read<V1Job>({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: probe.metadata.name, namespace } });
      ended = job?.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;
      return ended !== undefined;
    });
    await f.runtime.cluster.delete({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: probe.metadata.name, namespace } });
    if (ended === 'Complete') {
      t.skip('the running kwok lacks the pod-fail stage: restart the test control plane (npm run k8s:down && npm run k8s:up)');
      return;
    }

    const failing = await f.job(env, 'failing', { maxRestarts: 1 }, { env: [{ key: 'KWOK_EXIT_CODE', value: '3', secret: false }] });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: failing })).status, 'ERROR');
    const service = (await f.store.getService(failing))!;
    assert.equal(service.status, 'DEPLOYMENT_ERROR');
    assert.equal(service.statusMessage, 'the job exited with code 3 (2 runs)');
    assert.deepEqual(await jobs(failing), []);
  });

  test('an aborted run (forced cancel) deletes its Job: outcome killed', async () => {
    const env = await f.environment();
    const long = await f.job(env, 'long', { maxDurationSeconds: 0 }, { env: [{ key: 'KWOK_NEVER_READY', value: 'true', secret: false }] });
    const target = await f.target(long);
    const abort = new AbortController();
    const ctx: OperationContext = { signal: abort.signal, log: () => undefined };
    const running = f.runtime.runJob(target, { image: 'busybox', env: { KWOK_NEVER_READY: 'true' }, cpu: 100, memoryMb: 64, maxDurationSeconds: 0, version: 'v1', runId: 'abort1' }, ctx);
    await f.until('the run has a running pod', async () => {
      const pods = (await f.runtime.cluster.list('v1', 'Pod', namespaceName(env), labelSelector({ [LABEL.jobService]: long }))).items as Array<{ status?: { phase?: string } }>;
      return pods.some((p) => p.status?.phase === 'Running');
    });
    abort.abort();
    assert.deepEqual(await running, { exitCode: null, outcome: 'killed' });
    assert.deepEqual(await jobs(long), []);
  });

  test('a cron job is a CronJob: Deploy creates it (Forbid, not suspended), Stop suspends it, Redeploy resumes it, Delete removes it', async () => {
    const env = await f.environment();
    const nightly = await f.job(env, 'nightly', { jobType: 'cron', schedule: '*/5  * * * *', maxDurationSeconds: 300, maxRestarts: 2 }, {
      env: [{ key: 'REPORT_KEY', value: 'cron-s3cret-value', secret: true }],
    });

    let mark = f.statusPath(nightly).length;
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: nightly })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(nightly, mark), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
    const cron = (await cronJob(nightly))!;
    assert.ok(cron, 'the CronJob exists');
    assert.equal(cron.spec?.schedule, '*/5 * * * *');
    assert.equal(cron.spec?.suspend, false);
    assert.equal(cron.spec?.concurrencyPolicy, 'Forbid');
    assert.equal(cron.spec?.jobTemplate.spec?.backoffLimit, 2);
    assert.equal(cron.spec?.jobTemplate.spec?.activeDeadlineSeconds, 300);
    assert.equal(cron.metadata?.labels?.[LABEL.service], nightly);
    const key = cron.spec?.jobTemplate.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'REPORT_KEY');
    assert.ok(key?.valueFrom?.secretKeyRef?.name, 'the secret value is referenced from a Secret');
    assert.equal(JSON.stringify(cron).includes('cron-s3cret-value'), false);
    assert.equal((await secrets(nightly)).map((s) => s.metadata?.name).join(), key.valueFrom.secretKeyRef.name);

    mark = f.statusPath(nightly).length;
    assert.equal((await f.run(env, 'STOP', { serviceId: nightly })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(nightly, mark), ['STOP_QUEUED', 'STOPPING', 'STOPPED']);
    assert.equal((await cronJob(nightly))!.spec?.suspend, true);

    mark = f.statusPath(nightly).length;
    assert.equal((await f.run(env, 'REDEPLOY', { serviceId: nightly })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(nightly, mark), ['QUEUED', 'DEPLOYING', 'DEPLOYED']);
    assert.equal((await cronJob(nightly))!.spec?.suspend, false);

    mark = f.statusPath(nightly).length;
    assert.equal((await f.run(env, 'DELETE', { serviceId: nightly })).status, 'SUCCESS');
    assert.deepEqual(f.lastPath(nightly, mark), ['DELETE_QUEUED', 'DELETING', 'DELETED']);
    assert.equal(await cronJob(nightly), null);
    assert.deepEqual(await secrets(nightly), []);
  });

  test('a schedule with a seconds field is refused on kubernetes: DEPLOYMENT_ERROR saying why, no CronJob', async () => {
    const env = await f.environment();
    const everySecond = await f.job(env, 'every-second', { jobType: 'cron', schedule: '*/10 * * * * *' });
    assert.equal((await f.run(env, 'DEPLOY', { serviceId: everySecond })).status, 'ERROR');
    const service = (await f.store.getService(everySecond))!;
    assert.equal(service.status, 'DEPLOYMENT_ERROR');
    assert.match(service.statusMessage ?? '', /seconds field .*Kubernetes CronJobs have no seconds/);
    assert.equal(await cronJob(everySecond), null);
  });
});
