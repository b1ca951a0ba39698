import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Deployment, DeploymentRecordStore, QueueStore } from '../../store/store.js';
import type { RunnerDeps } from '../runner-deps.js';
import { runDeployment } from '../run/run-deployment.js';

/**
 * One deployment this process claimed and runs: its lease renewed while it runs, and a Cancel
 * — asked here or through another process sharing the database — turned into its signals.
 */
export class ClaimedDeployment {
  private readonly cancelController = new AbortController();
  /** Aborted by a Cancel with force=true: kills a running lifecycle job instead of waiting for it. */
  private readonly forceController = new AbortController();
  /** Settles when the run has ended (it never rejects). */
  readonly done: Promise<void>;
  /** Settles once the request's services show their queued status (or the run ended before). */
  readonly servicesQueued: Promise<void>;

  constructor(
    readonly deployment: Deployment,
    deps: RunnerDeps,
    private readonly lease: { store: Pick<QueueStore, 'renewLease'> & Pick<DeploymentRecordStore, 'getDeployment'>; owner: string; leaseMs: number; logger: Logger },
  ) {
    // Every service task of the deployment listens on this one signal.
    setMaxListeners(0, this.cancelController.signal);
    let servicesQueued!: () => void;
    this.servicesQueued = new Promise<void>((resolve) => (servicesQueued = resolve));
    const heartbeat = setInterval(() => void this.heartbeat(), Math.max(200, lease.leaseMs / 5));
    const signals = { cancel: this.cancelController.signal, force: this.forceController.signal };
    this.done = runDeployment(deps, deployment, signals, servicesQueued)
      .catch((err: unknown) => lease.logger.error({ err, deploymentId: deployment.id }, 'deployment runner crashed'))
      .finally(() => {
        servicesQueued();
        clearInterval(heartbeat);
      });
  }

  /** Cancel: in-progress work stops at its next safe point; with force, a running job is killed. */
  cancel(force: boolean): void {
    if (!this.cancelController.signal.aborted) this.cancelController.abort();
    if (force && !this.forceController.signal.aborted) this.forceController.abort();
  }

  /** Renews the lease, and picks up a cancel asked through another process. */
  private async heartbeat(): Promise<void> {
    const { store, owner, leaseMs, logger } = this.lease;
    const deploymentId = this.deployment.id;
    try {
      if (!(await store.renewLease(deploymentId, owner, leaseMs))) logger.error({ deploymentId }, 'lost the lease of a running deployment');
      const current = await store.getDeployment(deploymentId);
      if (current?.cancelRequested) this.cancel(current.forceCancel);
    } catch (err) {
      logger.warn({ err, deploymentId }, 'heartbeat failed');
    }
  }
}
