import type { Logger } from 'pino';
import type { Deployment, Store } from '../../store/store.js';
import type { RunnerDeps } from '../runner-deps.js';
import { ClaimedDeployment } from './claimed-deployment.js';
import { recoverExpiredLeases } from './recovery.js';

/**
 * Takes work from the queue (docs/queue-and-cancel.md): ends what dead processes left, claims
 * the next request of every environment with none running (the database's unique index lets
 * one process win), and runs what it claimed. One look at the queue at a time.
 */
export class QueueWorker {
  private readonly running = new Map<string, ClaimedDeployment>();
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private closed = false;

  constructor(
    private readonly deps: () => RunnerDeps & { store: Store },
    private readonly lease: { owner: string; leaseMs: number },
    private readonly logger: Logger,
  ) {}

  /** Looks at the queue now (coalesced: one look at a time, another right after if asked meanwhile). */
  wake(): void {
    if (this.closed) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err: unknown) => this.logger.error({ err }, 'queue tick failed'))
      .finally(() => {
        this.ticking = undefined;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.wake();
        }
      });
  }

  /** Runs a deployment this process holds the lease of (claimed from the queue, or started at once). */
  launch(deployment: Deployment): ClaimedDeployment {
    const deps = this.deps();
    const claimed = new ClaimedDeployment(deployment, deps, { ...this.lease, store: deps.store, logger: this.logger });
    this.running.set(deployment.id, claimed);
    void claimed.done.finally(() => {
      this.running.delete(deployment.id);
      this.wake();
    });
    return claimed;
  }

  /** The deployment running in this process, if it runs here. */
  get(deploymentId: string): ClaimedDeployment | undefined {
    return this.running.get(deploymentId);
  }

  /** Stops taking work and waits for what runs here to end (deployments are not aborted). */
  async close(): Promise<void> {
    this.closed = true;
    await this.ticking;
    await Promise.all([...this.running.values()].map((claimed) => claimed.done));
  }

  private async tick(): Promise<void> {
    const deps = this.deps();
    await recoverExpiredLeases(deps, { ...this.lease, runsHere: (id) => this.running.has(id) });
    for (const environmentId of await deps.store.environmentsReadyToRun()) {
      if (this.closed) return;
      const claimed = await deps.store.claimNext(environmentId, this.lease.owner, this.lease.leaseMs);
      if (claimed) this.launch(claimed);
    }
  }
}
