import { interruptedStatus, isInProgress, type Environment, type Project } from '../../domain/index.js';
import type { Deployment } from '../../store/store.js';
import { publishDeploymentStatus, publishEnvironmentStatus } from './deployment-journal.js';
import type { RunnerDeps } from '../runner-deps.js';
import { environmentTarget } from '../service-target.js';

/** How a deployment ends: its final status, the removal of what Delete deleted, an interruption. */

/** Ends the deployment with its status and announces it. */
export async function finish(
  deps: RunnerDeps,
  project: Project | undefined,
  deployment: Deployment,
  status: 'SUCCESS' | 'ERROR' | 'CANCELED' | 'SKIPPED',
  message: string | null,
): Promise<void> {
  await deps.store.finishDeployment(deployment.id, status, message);
  publishDeploymentStatus(deps.events, project?.id ?? '', deployment, status, message);
}

/** A deleted service leaves the store (its history stays); a deleted environment too, once empty. */
export async function removeDeleted(deps: RunnerDeps, project: Project, environment: Environment, deployment: Deployment): Promise<void> {
  const { store } = deps;
  for (const service of await store.listServices(environment.id)) {
    if (service.status === 'DELETED') {
      await store.releaseHostPorts(service.id);
      await store.deleteService(service.id);
      deps.runningStates.forget(service.id);
    }
  }
  if (deployment.request.level === 'environment' && (await store.listServices(environment.id)).length === 0) {
    await deps.runtimes.forEnvironment(environment).deleteEnvironment(environmentTarget(project, environment), {
      signal: new AbortController().signal,
      log: () => undefined,
    });
    await store.deleteEnvironment(environment.id);
  } else {
    await publishEnvironmentStatus(store, deps.events, deps.runningStates, project.id, environment.id);
  }
}

/**
 * Ends a deployment that cannot go on (its process died, or an unexpected error): every
 * service it left in progress takes the explicit end of interruptedStatus, and the
 * deployment ends ERROR, which unlocks the environment.
 */
export async function endInterrupted(deps: RunnerDeps, deployment: Deployment, project: Project | undefined, message: string): Promise<void> {
  const { store } = deps;
  const detail = await store.getDeploymentDetail(deployment.id);
  const serviceIds = detail?.stages.flatMap((stage) => stage.services.map((s) => s.serviceId)) ?? [];
  for (const serviceId of serviceIds) {
    const service = await store.getService(serviceId);
    if (!service || !isInProgress(service.status)) continue;
    const end = interruptedStatus(service.status);
    if (!end) continue;
    try {
      // Caught mid-rollout: leave it on one version, as a failed rollout would. A runtime that
      // cannot be reached must not leave the service in progress forever: it still ends.
      if (service.status === 'DEPLOYING' || service.status === 'CANCELING') {
        await settle(deps, deployment, serviceId, service.deployedSpecHash).catch((err: unknown) =>
          deps.logger.warn({ err, serviceId }, 'could not settle an interrupted rollout; its instances may run either version'),
        );
      }
      await store.setServiceStatus(serviceId, end, message);
      await store.setDeploymentServiceStatus(deployment.id, serviceId, end);
      if (project) {
        deps.events.publish({
          type: 'service.status',
          projectId: project.id,
          environmentId: deployment.environmentId,
          serviceId,
          status: end,
          message,
        });
      }
    } catch (err) {
      deps.logger.warn({ err, serviceId }, 'could not end an interrupted service');
    }
  }
  await finish(deps, project, deployment, 'ERROR', message);
  if (project) await publishEnvironmentStatus(store, deps.events, deps.runningStates, project.id, deployment.environmentId);
}

async function settle(deps: RunnerDeps, deployment: Deployment, serviceId: string, keepSpecHash: string | null): Promise<void> {
  const resolved = await deps.runtimes.forService(serviceId);
  if (!resolved?.runtime.settle) return;
  await resolved.runtime.settle(resolved.target, keepSpecHash, {
    signal: new AbortController().signal,
    log: (level, message) =>
      void deps.store.appendLog(deployment.id, { ts: new Date().toISOString(), serviceId, step: 'DEPLOY', level, message }).catch(() => undefined),
  });
  await deps.runningStates.refresh(serviceId).catch(() => undefined);
}
