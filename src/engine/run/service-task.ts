import { plannedServices, serviceAsDeployed, type DeploymentPlan, type DeploymentStatus, type PlannedService, type ServiceOperation } from '../../domain/index.js';
import type { BuiltImage } from '../builder.js';
import { KIND_HANDLERS, type KindContext, type KindOutcome } from '../kinds/index.js';
import type { BuildHandle } from './builds.js';
import type { StepHandle } from './deployment-journal.js';
import type { StageTask } from './stage-runner.js';

/** The in-progress statuses from which a service is CANCELING when the request is canceled. */
const CANCELABLE_WHILE_RUNNING: readonly DeploymentStatus[] = ['QUEUED', 'BUILDING', 'DEPLOYING', 'EXECUTING'];

/**
 * One planned service's part of a deployment, as a stage task: its QUEUEING step ends when its
 * stage comes, then its kind's handler does the operation. A deploy of a git service first
 * waits for its own image (docs/build.md). `needsSlot` comes from startSlotChecks.
 */
export function serviceTask(
  ctx: KindContext,
  planned: PlannedService,
  operation: ServiceOperation,
  queueing: StepHandle,
  build: BuildHandle | undefined,
  needsSlot: Promise<boolean> | undefined,
): StageTask {
  const { service } = planned;
  const handler = KIND_HANDLERS[planned.kind];
  /** Whether the deploy is known to change nothing before it begins (then no in-progress status). */
  const knownUnchanged = async (built: BuiltImage | undefined): Promise<boolean> => {
    // A slot check that said "no slot needed" said the deploy changes nothing.
    if (!built) return needsSlot !== undefined && !(await needsSlot);
    // A commit already built (no local image id: nothing was built now) may be what runs.
    if (built.localImageId || !handler.deployChangesNothing) return false;
    return handler.deployChangesNothing(ctx, planned, ctx.journal.deploymentOperation(ctx.signal), built).catch(() => false);
  };
  const run = (): Promise<KindOutcome> => {
    if (operation === 'deploy') return deployAfterBuild(ctx, planned, build, async (built) => handler.deploy(ctx, planned, built, await knownUnchanged(built)));
    // Restart runs what is deployed now: settings and source edited since wait for a Redeploy.
    if (operation === 'restart') return handler.restart(ctx, { ...planned, service: serviceAsDeployed(service) });
    return handler[operation](ctx, planned);
  };
  return {
    name: service.name,
    ...(needsSlot ? { needsSlot } : {}),
    run: async () => {
      build?.claim();
      // The QUEUEING step ends in the same batch of writes as the first move of the work.
      const [, outcome] = await Promise.all([queueing.finish('SUCCESS'), run()]);
      return outcome === 'unchanged' ? 'succeeded' : outcome;
    },
    skip: async (reason) => {
      // A build still running is being stopped: let it end before the service does.
      const built = await build?.result;
      await queueing.finish('CANCELED', reason);
      // A service whose build failed stays BUILD_ERROR: that failure is the first error.
      if (built && !built.ok && !built.canceled) return;
      await ctx.journal.moveService(service.id, 'CANCELED', reason);
    },
  };
}

/**
 * Whether each service of a deploy needs a deploy slot, asked of its kind's handler where the
 * handler and the runtime can tell without a pull, by service id. A git service's build decides
 * its image: it takes a slot. A check that fails counts as "needs a slot".
 */
export function startSlotChecks(ctx: KindContext, plan: DeploymentPlan): Map<string, Promise<boolean>> {
  const checks = new Map<string, Promise<boolean>>();
  if (plan.operation !== 'deploy' || !ctx.runtime.currentImage) return checks;
  const op = ctx.journal.deploymentOperation(ctx.signal);
  for (const planned of plannedServices(plan)) {
    const changesNothing = KIND_HANDLERS[planned.kind].deployChangesNothing;
    if (!changesNothing || planned.builds) continue;
    checks.set(
      planned.service.id,
      changesNothing(ctx, planned, op).then(
        (unchanged) => !unchanged,
        () => true,
      ),
    );
  }
  return checks;
}

/** A deploy: CANCELING as soon as Cancel comes; a git service's deploy waits for its image first. */
async function deployAfterBuild(
  ctx: KindContext,
  { service }: PlannedService,
  build: BuildHandle | undefined,
  deploy: (built: BuiltImage | undefined) => Promise<KindOutcome>,
): Promise<KindOutcome> {
  const onAbort = (): void => void ctx.journal.moveServiceIf(service.id, CANCELABLE_WHILE_RUNNING, 'CANCELING');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (!build) return await deploy(undefined);
    const result = await build.result;
    if (result.ok) return await deploy(result.image);
    if (!result.canceled) return 'failed';
    await ctx.journal.moveService(service.id, 'CANCELED', result.message);
    return 'canceled';
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
