import type { EnvironmentTarget, ServiceTarget } from '../runtime.js';

/**
 * How Slipway names and labels what it creates on a Kubernetes cluster. Names come from ids
 * (UUIDs: stable across renames, valid DNS labels); labels and annotations are the runtime's
 * memory, so a restarted control plane finds everything from the cluster alone.
 */

export const FIELD_MANAGER = 'slipway';

export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  project: 'slipway.dev/project',
  environment: 'slipway.dev/environment',
  service: 'slipway.dev/service',
  /**
   * The job service a run's pod belongs to. Not `service`: a job's pods are runs, never
   * instances of a long-running service (observe, the wait for no pods on Stop).
   */
  jobService: 'slipway.dev/job-service',
  /** The run (JobSpec.runId) a lifecycle job's Job and pod are for. */
  jobRun: 'slipway.dev/job-run',
} as const;

export const ANNOTATION = {
  specHash: 'slipway.dev/spec-hash',
  version: 'slipway.dev/version',
  serviceName: 'slipway.dev/service-name',
  /** JSON of the public ports' protocols by container port, for endpoints(). */
  publicPorts: 'slipway.dev/public-ports',
  /** What `kubectl rollout restart` sets; a new value rolls the pods. */
  restartedAt: 'kubectl.kubernetes.io/restartedAt',
} as const;

export const MANAGED_BY = 'slipway';

export function namespaceName(environmentId: string): string {
  return `slipway-${dns(environmentId)}`;
}

/** The Deployment / StatefulSet, its Service and its pods' prefix. */
export function workloadName(serviceId: string): string {
  return `s-${dns(serviceId)}`;
}

/** The NodePort Service carrying only the public ports. */
export function publicServiceName(serviceId: string): string {
  return `${workloadName(serviceId)}-public`;
}

/** The Secret holding the service's secret env values: one per spec (see envSecretManifest). */
export function envSecretName(serviceId: string, specHash: string): string {
  return `${workloadName(serviceId)}-env-${dns(specHash).slice(0, 16)}`;
}

/** A lifecycle job's run: a Job (and its env Secret, `<name>-env`). At most 52 characters. */
export function jobRunName(serviceId: string, runId: string): string {
  return `${workloadName(serviceId)}-run-${dns(runId)}`.slice(0, 52).replace(/-+$/, '');
}

/** A cron job's CronJob: the service's own name, as a Deployment would have. */
export function cronJobName(serviceId: string): string {
  return workloadName(serviceId);
}

/** The PVC template of storage entry n; a StatefulSet names its claims `<template>-<pod>`. */
export function volumeClaimName(index: number): string {
  return `data-${index}`;
}

/** Lower-case letters, digits and dashes, as DNS labels want. */
function dns(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/** A label value: at most 63 characters of [a-z0-9A-Z._-], starting and ending alphanumeric. */
export function labelValue(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 63).replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '');
  return cleaned || 'x';
}

export function environmentLabels(env: EnvironmentTarget): Record<string, string> {
  return { [LABEL.managedBy]: MANAGED_BY, [LABEL.project]: env.projectId, [LABEL.environment]: env.environmentId };
}

export function serviceLabels(target: ServiceTarget): Record<string, string> {
  return { ...environmentLabels(target), [LABEL.service]: target.serviceId, [LABEL.name]: labelValue(target.serviceName) };
}

/** A job run's pod: the environment's labels and the job service, not the instance selector's. */
export function jobPodLabels(target: ServiceTarget): Record<string, string> {
  return { ...environmentLabels(target), [LABEL.jobService]: target.serviceId, [LABEL.name]: labelValue(target.serviceName) };
}

/** Selects a service's pods: only immutable, id-based labels (a selector cannot change later). */
export function selectorLabels(serviceId: string): Record<string, string> {
  return { [LABEL.managedBy]: MANAGED_BY, [LABEL.service]: serviceId };
}

export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
