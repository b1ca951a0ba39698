import { deployedDigestFor, imageToPull, versionToDeploy, type PlannedService, type Service } from '../../domain/index.js';
import type { OperationContext } from '../../runtime/runtime.js';
import type { BuiltImage } from '../builder.js';
import { gitSourceOf } from '../run/builds.js';
import type { KindContext } from './kind.js';

/**
 * The image a deploy runs, as a reference and resolved: the image just built, or the one the
 * version names, pulled. An image built into the engine the runtime runs on (builtImages
 * 'local-engine') is used by its id: a pull would only ask the registry for what is already there.
 */
export async function imageToRun(
  ctx: KindContext,
  service: Service,
  built: BuiltImage | undefined,
  version: string,
  op: OperationContext,
): Promise<{ image: { name: string; tag: string }; resolved: string }> {
  const image = built ? { name: built.name, tag: built.tag } : imageOf(ctx, service, version);
  if (built?.localImageId && ctx.runtime.builtImages === 'local-engine') {
    op.log('info', `using image ${image.name}:${image.tag} just built (${built.localImageId})`);
    return { image, resolved: built.localImageId };
  }
  op.log('info', `resolving image ${image.name}:${image.tag}`);
  const resolved = await ctx.resolveImage(image, op);
  const kept = deployedDigestFor(service, image, version, resolved);
  if (kept) op.log('warn', `keeping ${kept}, the digest ${image.name}:${image.tag} was deployed by (the registry did not answer)`);
  return { image, resolved: kept ?? resolved };
}

/** The image a deployed version of the service runs: built from git (named by the builder), or pulled by tag. */
export function imageOf(ctx: Pick<KindContext, 'builder' | 'project'>, service: Service, version: string): { name: string; tag: string } {
  if (gitSourceOf(service)) {
    if (!ctx.builder) throw new Error('this Slipway server has no image builder configured');
    return ctx.builder.imageOf(ctx.project.name, service.name, version);
  }
  return imageToPull(service, version);
}

/** The version a service's work runs; an error that says so when it has none. */
export function requireVersion(service: Service, version: string | null | undefined, what = 'version to deploy'): string {
  if (!version) throw new Error(`service ${service.name} has no ${what}`);
  return version;
}

/** The version Stop, Restart and Delete work with: the one deployed, else the one its source shows. */
export function deployedVersionOf({ service, version }: PlannedService): string | null {
  return version ?? versionToDeploy(service);
}
