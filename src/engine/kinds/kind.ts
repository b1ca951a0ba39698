import type { Environment, PlannedService, Project } from '../../domain/index.js';
import type { OperationContext, Runtime } from '../../runtime/runtime.js';
import type { ServiceStore } from '../../store/store.js';
import type { Builder, BuiltImage } from '../builder.js';
import type { Schedules } from '../schedules.js';
import type { ManagedDatabaseProvider } from '../managed-databases/provider.js';
import type { DeploymentJournal } from '../run/deployment-journal.js';
import type { TaskOutcome } from '../run/stage-runner.js';

/**
 * One handler per kind of service (docs/architecture.md): how a deploy, a stop, a restart and
 * a delete of that kind are done. The runner picks the handler from the plan's `kind` through
 * the table in index.ts and never asks what a service is.
 */

/** A task's outcome, or 'unchanged': it succeeded without touching the runtime (nothing to observe again). */
export type KindOutcome = TaskOutcome | 'unchanged';

/** What every service's work in one deployment shares. */
export interface KindContext {
  store: Pick<ServiceStore, 'setDeployedState'>;
  runtime: Runtime;
  journal: DeploymentJournal;
  project: Project;
  environment: Environment;
  /** Aborted by Cancel. */
  signal: AbortSignal;
  /** Aborted by Cancel with force=true: kills a running lifecycle job (a plain cancel waits for it). */
  forceSignal: AbortSignal;
  /** Delete: keep the volumes. */
  keepData: boolean;
  /** The runtime's runningSpecHash, read for the whole environment once per deployment (run/spec-hash-snapshot.ts). */
  runningSpecHash: Runtime['runningSpecHash'];
  /** The runtime's resolveImage, shared by the deployment's services (one pull per image). */
  resolveImage: Runtime['resolveImage'];
  /** The runtime's currentImage (null without one), shared likewise: resolveImage asks it first. */
  currentImage: (image: { name: string; tag: string }, ctx: OperationContext) => Promise<string | null>;
  /** Names the images of git services; without it their deploys end BUILD_ERROR. */
  builder?: Builder;
  /** Where the runtime's cron schedules run (in the runtime, or in Slipway's scheduler). */
  schedules: Schedules;
  /** Drives managed databases; without one their deploys end saying so. */
  managedDatabases?: ManagedDatabaseProvider;
  /** How often a managed database is described while it comes up. */
  managedPollMs: number;
}

export interface KindHandler {
  /**
   * Deploy or Redeploy; `built` is the image built for a git service (or found already built).
   * `unchanged`: this handler's deployChangesNothing already said so for this request (no
   * in-progress status then).
   */
  deploy(ctx: KindContext, planned: PlannedService, built: BuiltImage | undefined, unchanged?: boolean): Promise<KindOutcome>;
  stop(ctx: KindContext, planned: PlannedService): Promise<KindOutcome>;
  /** `planned.service` is the service as deployed: edits made since wait for a Redeploy. */
  restart(ctx: KindContext, planned: PlannedService): Promise<KindOutcome>;
  delete(ctx: KindContext, planned: PlannedService): Promise<KindOutcome>;
  /**
   * Optional: true when a deploy of the service would change nothing, told without pulling an
   * image or touching an instance. Such a deploy takes none of the stage's deploy slots. With
   * `built`, of that image (a git service whose commit was already built).
   */
  deployChangesNothing?(ctx: KindContext, planned: PlannedService, op: OperationContext, built?: BuiltImage): Promise<boolean>;
}
