import type { RunnerDeps } from '../runner-deps.js';
import type { QueueStore } from '../../store/store.js';
import { endInterrupted } from '../run/deployment-endings.js';

/**
 * Deployments whose process stopped renewing its lease (it died) are ended explicitly
 * (docs/queue-and-cancel.md): this process takes the lease over, and every service the
 * deployment left in progress takes its explicit end, so the environment is free again.
 */
export async function recoverExpiredLeases(
  deps: RunnerDeps & { store: Pick<QueueStore, 'listExpiredLeases' | 'takeOverLease'> },
  lease: { owner: string; leaseMs: number; runsHere: (deploymentId: string) => boolean },
): Promise<void> {
  for (const deployment of await deps.store.listExpiredLeases()) {
    if (lease.runsHere(deployment.id)) continue;
    if (!(await deps.store.takeOverLease(deployment.id, deployment.leaseOwner, lease.owner, lease.leaseMs))) continue;
    deps.logger.warn({ deploymentId: deployment.id, owner: deployment.leaseOwner }, 'ending a deployment whose process died');
    const environment = await deps.store.getEnvironment(deployment.environmentId);
    const project = environment && (await deps.store.getProject(environment.projectId));
    await endInterrupted(deps, deployment, project, 'interrupted: the Slipway process running this deployment stopped; run the action again');
  }
}
