import { deployedDigestFor, deployedSpecOf, desiredSpec, recordsDeploy, secretEnvKeys, specHash, type DeployedRollout, type DesiredSpec, type PlannedService } from '../../domain/index.js';
import type { OperationContext } from '../../runtime/runtime.js';
import { serviceTarget } from '../service-target.js';
import { deployedVersionOf, imageOf, imageToRun, requireVersion } from './images.js';
import type { KindContext, KindHandler } from './kind.js';
import { runStep, STEP_SHAPES, UNCANCELABLE, type StepDone } from './step.js';

/**
 * Applications, containers and container databases: instances the runtime runs. Deploy rolls
 * the spec out (nothing at all when the instances already run it: docs/actions.md), Restart
 * replaces the instances with the spec deployed, Stop and Delete are one runtime call each.
 */
export const containerLike: KindHandler = {
  // `unchanged`: deployChangesNothing said so before any work, so no DEPLOYING then.
  deploy: (ctx, planned, built, unchanged = false) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.deploy, { signal: ctx.signal, canceledMessage: 'canceled: the previous version keeps serving', straight: unchanged }, async (op) => {
      const { service } = planned;
      const version = built?.commit ?? requireVersion(service, planned.version);
      const { resolved } = await imageToRun(ctx, service, built, version, op);
      const rollout = rolloutFor(planned, resolved, version);
      const target = serviceTarget(ctx.project, ctx.environment, service);
      // Kept as deployed: Restart hands exactly this to the runtime again.
      const deployed = { deployedVersion: version, deployedSpecHash: rollout.specHash, deployedSpec: deployedSpecOf(service, rollout, planned.variables) };
      if ((await ctx.runningSpecHash(target)) === rollout.specHash) {
        // A redeploy without changes touches no instance, not even a restart.
        op.log('info', 'no changes: the running instances already run this spec');
        if (!recordsDeploy(service, deployed)) await ctx.store.setDeployedState(service.id, deployed);
        return { message: 'no changes', serviceMessage: 'no changes', unchanged: true } satisfies StepDone;
      }
      ctx.signal.throwIfAborted();
      // deployChangesNothing read the same image and snapshot, so it cannot have said
      // "unchanged" here; were that ever wrong, a rollout still shows DEPLOYING.
      if (unchanged) await ctx.journal.moveService(service.id, STEP_SHAPES.deploy.during);
      op.log('info', `rolling out ${version} to ${rollout.instances} instance(s)`);
      await ctx.runtime.deploy(target, rollout, op);
      await ctx.store.setDeployedState(service.id, deployed);
      return `deployed ${version}`;
    }),

  stop: (ctx, { service }) =>
    runStep(ctx.journal, service.id, STEP_SHAPES.stop, UNCANCELABLE, (op) => ctx.runtime.stop(serviceTarget(ctx.project, ctx.environment, service), op)),

  restart: (ctx, planned) =>
    runStep(ctx.journal, planned.service.id, STEP_SHAPES.restart, UNCANCELABLE, async (op) => {
      // The spec deployed now, instances replaced one by one, each gated on readiness.
      const rollout = planned.service.deployedSpec?.rollout ?? (await rolloutFromSettings(ctx, planned, op));
      await ctx.runtime.restart(serviceTarget(ctx.project, ctx.environment, planned.service), rollout, op);
    }),

  delete: (ctx, { service }) =>
    runStep(ctx.journal, service.id, STEP_SHAPES.delete, UNCANCELABLE, (op) =>
      ctx.runtime.delete(serviceTarget(ctx.project, ctx.environment, service), { keepData: ctx.keepData }, op),
    ),

  // The check deploy makes before rolling out, with the image only if known without a pull.
  deployChangesNothing: async (ctx, planned, op, built) => {
    const { service } = planned;
    const version = built?.commit ?? requireVersion(service, planned.version);
    const image = built ? { name: built.name, tag: built.tag } : imageOf(ctx, service, version);
    const [current, running] = await Promise.all([ctx.currentImage(image, op), ctx.runningSpecHash(serviceTarget(ctx.project, ctx.environment, service))]);
    if (current === null || running === null) return false;
    const resolved = deployedDigestFor(service, image, version, current) ?? current;
    return running === rolloutFor(planned, resolved, version).specHash;
  },
};

/**
 * The fallback for a service deployed before Slipway kept the spec it rolled out (migration
 * 0003): the spec is rebuilt from the service's settings and its deployed version's image, as
 * Restart did before, so edits made since that deploy do go live with this Restart.
 */
async function rolloutFromSettings(ctx: KindContext, planned: PlannedService, op: OperationContext): Promise<DeployedRollout> {
  const { service } = planned;
  const version = requireVersion(service, deployedVersionOf(planned), 'deployed version to restart');
  const resolved = await ctx.resolveImage(imageOf(ctx, service, version), op);
  return rolloutOf(planned, desiredSpec(service, resolved, planned.injectedEnv, planned.variables), version);
}

/** The rollout deployChangesNothing made, kept for the deploy after it: hashing the spec is the costly part. */
const checkedRollouts = new WeakMap<PlannedService, { resolved: string; rollout: DeployedRollout }>();

function rolloutFor(planned: PlannedService, resolved: string, version: string): DeployedRollout {
  const checked = checkedRollouts.get(planned);
  if (checked?.resolved === resolved && checked.rollout.version === version) return checked.rollout;
  const rollout = rolloutOf(planned, desiredSpec(planned.service, resolved, planned.injectedEnv, planned.variables), version);
  checkedRollouts.set(planned, { resolved, rollout });
  return rollout;
}

/**
 * The spec handed to the runtime: the desired spec with its hash, version and secret keys.
 * Object.assign rather than a spread followed by new keys, which costs Node 20 about 1 µs per
 * key added (measured); the keys come out in the same order.
 */
function rolloutOf({ service, injectedEnv, variables }: PlannedService, spec: DesiredSpec, version: string): DeployedRollout {
  const domains = service.settings.domains ?? [];
  return Object.assign({}, spec, {
    specHash: specHash(spec),
    version,
    startTimeoutSeconds: service.settings.startTimeoutSeconds,
    secretEnvKeys: secretEnvKeys(service, injectedEnv, variables),
    ...(domains.length > 0 ? { domains } : {}),
  });
}
