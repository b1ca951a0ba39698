import type { V1Container, V1CronJob, V1Job, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { JobSpec, ScheduleSpec, ServiceTarget } from '../runtime.js';
import { containerEnv } from './manifests.js';
import { ANNOTATION, LABEL, cronJobName, jobPodLabels, jobRunName, namespaceName, serviceLabels } from './names-and-labels.js';

/**
 * Jobs as Kubernetes objects (docs/runtimes.md#kubernetes): a lifecycle job's run is a Job, a cron
 * job a CronJob. The Job and CronJob carry the service's labels (Delete finds them by those); their
 * pods carry the job-service label instead, so they never count as a service's instances.
 */

type RunSpec = Omit<JobSpec, 'runId'>;

function jobContainer(spec: RunSpec, envSecret: string | undefined): V1Container {
  const requests: Record<string, string> = {};
  if (spec.cpu > 0) requests.cpu = `${spec.cpu}m`;
  if (spec.memoryMb > 0) requests.memory = `${spec.memoryMb}Mi`;
  return {
    name: 'main',
    image: spec.image,
    // As on docker, the command replaces the image's CMD and keeps its ENTRYPOINT.
    ...(spec.command !== undefined && spec.command.length > 0 ? { args: spec.command } : {}),
    env: containerEnv(spec, envSecret),
    ...(Object.keys(requests).length > 0 ? { resources: { requests, limits: requests } } : {}),
  };
}

function podTemplate(target: ServiceTarget, spec: RunSpec, envSecret: string | undefined, runLabels: Record<string, string>): V1PodTemplateSpec {
  return {
    metadata: { labels: { ...jobPodLabels(target), ...runLabels }, annotations: { [ANNOTATION.version]: spec.version } },
    spec: {
      // The Job is the unit of retry (backoffLimit), never the kubelet.
      restartPolicy: 'Never',
      containers: [jobContainer(spec, envSecret)],
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 10,
    },
  };
}

/** The Secret of a lifecycle run's secret env values: `<job>-env`, removed with the run. */
export function jobEnvSecretName(target: ServiceTarget, runId: string): string {
  return `${jobRunName(target.serviceId, runId)}-env`;
}

/**
 * One run of a lifecycle job: no retry by Kubernetes (backoffLimit 0: the engine retries up
 * to maxRestarts and logs each run), bounded by activeDeadlineSeconds when the job has a
 * maxDurationSeconds.
 */
export function jobManifest(target: ServiceTarget, spec: JobSpec, envSecret: string | undefined): V1Job {
  const run = { [LABEL.jobRun]: spec.runId.toLowerCase().replace(/[^a-z0-9-]/g, '-') };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobRunName(target.serviceId, spec.runId),
      namespace: namespaceName(target.environmentId),
      labels: { ...serviceLabels(target), ...run },
      annotations: { [ANNOTATION.serviceName]: target.serviceName, [ANNOTATION.version]: spec.version },
    },
    spec: {
      backoffLimit: 0,
      ...(spec.maxDurationSeconds > 0 ? { activeDeadlineSeconds: spec.maxDurationSeconds } : {}),
      template: podTemplate(target, spec, envSecret, run),
    },
  };
}

/**
 * A cron job: the schedule (already checked by kubernetesSchedule), no overlapping runs
 * (concurrencyPolicy Forbid, as Slipway's scheduler skips a tick while a run goes on), each
 * run retried up to maxRestarts and bounded by maxDurationSeconds. `suspend: false` is part
 * of the intent, so applying it again (Redeploy, Restart) resumes a stopped CronJob.
 */
export function cronJobManifest(target: ServiceTarget, spec: ScheduleSpec, schedule: string, envSecret: string | undefined): V1CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: cronJobName(target.serviceId),
      namespace: namespaceName(target.environmentId),
      labels: serviceLabels(target),
      annotations: { [ANNOTATION.serviceName]: target.serviceName, [ANNOTATION.specHash]: spec.specHash, [ANNOTATION.version]: spec.version },
    },
    spec: {
      schedule,
      suspend: false,
      concurrencyPolicy: 'Forbid',
      // A tick missed by more than this (controller down, run still going) is skipped, not caught up.
      startingDeadlineSeconds: 60,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: serviceLabels(target), annotations: { [ANNOTATION.specHash]: spec.specHash } },
        spec: {
          backoffLimit: Math.max(0, spec.maxRestarts),
          ...(spec.maxDurationSeconds > 0 ? { activeDeadlineSeconds: spec.maxDurationSeconds } : {}),
          template: podTemplate(target, spec, envSecret, {}),
        },
      },
    },
  };
}
