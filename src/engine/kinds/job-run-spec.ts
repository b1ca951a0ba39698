import { desiredSpec, secretEnvKeys, specHash, type Environment, type EnvVar, type JobService, type JobSource, type Project, type Service } from '../../domain/index.js';
import type { JobSpec, Runtime } from '../../runtime/runtime.js';
import type { ScheduledJob } from '../cron-scheduler.js';
import { serviceTarget } from '../service-target.js';

/** What lifecycle and cron jobs share: the spec of one run, and the schedule made of it. */

/** The service as the job it is (the plan gives job handlers only jobs). */
export function jobServiceOf(service: Service): JobService {
  if (service.type !== 'job') throw new Error(`service ${service.name} is not a job`);
  return service;
}

export function jobSourceOf(service: Service): JobSource {
  return jobServiceOf(service).source;
}

/** What a run of the job executes, given its resolved image: env (with the injected connections and shared variables), command, bounds. */
export function jobRunSpec(
  service: Service,
  resolvedImage: string,
  version: string,
  injectedEnv: Record<string, string>,
  variables: readonly EnvVar[] = [],
): { spec: Omit<JobSpec, 'runId'>; hash: string } {
  const source = jobSourceOf(service);
  const desired = desiredSpec(service, resolvedImage, injectedEnv, variables);
  const command = source.command ?? desired.command;
  const hash = specHash({ ...desired, ...(command ? { command } : {}) });
  const spec: Omit<JobSpec, 'runId'> = {
    image: resolvedImage,
    ...(command ? { command } : {}),
    env: desired.env,
    cpu: desired.cpu,
    memoryMb: desired.memoryMb,
    maxDurationSeconds: source.maxDurationSeconds,
    version,
    secretEnvKeys: secretEnvKeys(service, injectedEnv, variables),
  };
  return { spec, hash };
}

/** Keeps the connection secrets, the shared secret variables and the service's own out of the runs' logs. */
export function runSecrets(service: Service, injectedEnv: Record<string, string>, variables: readonly EnvVar[] = []): string[] {
  const own = [...service.settings.env, ...variables].filter((v) => v.secret).map((v) => v.value);
  const injected = Object.entries(injectedEnv)
    .filter(([key]) => /_(PASSWORD|URL)$/.test(key))
    .map(([, value]) => value);
  return [...own, ...injected].filter((v) => v.length > 0);
}

/**
 * The schedule of a cron job. Its hash is of the image reference (not of what it resolves to),
 * so a reinstall after a restart — which resolves the image only at the first tick — finds the
 * same hash the deploy recorded.
 */
export function scheduledJob(
  where: { project: Project; environment: Environment; runtime: Runtime },
  service: Service,
  imageRef: { name: string; tag: string },
  image: string | { name: string; tag: string },
  version: string,
  injectedEnv: Record<string, string>,
  variables: readonly EnvVar[] = [],
): { job: ScheduledJob; hash: string } {
  const { spec, hash } = jobRunSpec(service, `${imageRef.name}:${imageRef.tag}`, version, injectedEnv, variables);
  const { image: _reference, ...rest } = spec;
  return {
    job: {
      target: serviceTarget(where.project, where.environment, service),
      runtime: where.runtime,
      schedule: jobSourceOf(service).schedule,
      maxRestarts: jobSourceOf(service).maxRestarts,
      spec: rest,
      image,
      secrets: runSecrets(service, injectedEnv, variables),
      specHash: hash,
    },
    hash,
  };
}
