import type { Logger } from 'pino';
import { injectedConnections, kindOf } from '../domain/index.js';
import type { Runtime } from '../runtime/runtime.js';
import type { EnvironmentStore, ProjectStore, ServiceStore } from '../store/store.js';
import type { Builder } from './builder.js';
import type { CronScheduler } from './cron-scheduler.js';
import { imageOf } from './kinds/images.js';
import { scheduledJob } from './kinds/job-run-spec.js';
import type { RuntimeResolver } from './runtime-resolver.js';
import { schedulesOf } from './schedules.js';
import { serviceTarget } from './service-target.js';

/**
 * Installs the schedule of every deployed cron job that this process does not run yet, or runs
 * with an older spec: at start (a restarted Slipway keeps its schedules), and then periodically,
 * so that a job deployed through another process sharing the database is scheduled here too and
 * keeps running if that process dies (each tick still runs once, through the store). Images are
 * resolved at the first tick, so an unreachable registry does not keep the server from starting.
 * Returns how many schedules it installed.
 */
export async function syncSchedules(deps: {
  store: Pick<ServiceStore, 'listServicesOfType' | 'listServices'> & Pick<EnvironmentStore, 'getEnvironment'> & Pick<ProjectStore, 'getProject'>;
  runtimes: RuntimeResolver;
  scheduler: CronScheduler;
  builder?: Builder;
  logger: Logger;
}): Promise<number> {
  // One query in the steady state: only environments with a schedule to install are read further.
  const due = (await deps.store.listServicesOfType('job')).filter(
    (s) => kindOf(s) === 'cron-job' && (s.status === 'DEPLOYED' || s.status === 'RESTARTED') && s.deployedVersion && deps.scheduler.installedSpecHash(s.id) !== s.deployedSpecHash,
  );
  let installed = 0;
  for (const environmentId of new Set(due.map((s) => s.environmentId))) {
    const environment = await deps.store.getEnvironment(environmentId);
    const project = environment && (await deps.store.getProject(environment.projectId));
    if (!environment || !project) continue;
    let runtime: Runtime;
    try {
      runtime = deps.runtimes.forEnvironment(environment);
    } catch {
      continue;
    }
    // A runtime that runs schedules itself keeps them across restarts of Slipway.
    if (!schedulesOf(runtime, deps.scheduler).inSlipway) continue;
    const services = await deps.store.listServices(environment.id);
    const injected = injectedConnections(services, (db) => runtime.serviceHost?.(serviceTarget(project, environment, db)) ?? db.name);
    for (const service of due.filter((s) => s.environmentId === environmentId)) {
      try {
        const version = service.deployedVersion!;
        const image = imageOf({ project, ...(deps.builder ? { builder: deps.builder } : {}) }, service, version);
        // The shared variables its deploy got, so that the schedule's hash is the one the deploy recorded.
        deps.scheduler.install(scheduledJob({ project, environment, runtime }, service, image, image, version, injected, service.deployedSpec?.variables ?? []).job);
        installed++;
      } catch (error) {
        deps.logger.error({ err: error, serviceId: service.id }, 'could not install the schedule of a cron job');
      }
    }
  }
  return installed;
}
