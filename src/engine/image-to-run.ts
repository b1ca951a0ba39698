import type { Service } from '../domain/index.js';
import type { OperationContext } from '../runtime/runtime.js';
import type { BuiltImage } from './builder.js';
import { imageToPull } from './desired-spec.js';
import type { TaskContext } from './service-tasks.js';

/**
 * The image a deploy runs, as a reference and resolved: the image just built, or the one the
 * version names, pulled. An image built into the engine the runtime runs on (builtImages
 * 'local-engine') is used by its id: a pull would only ask the registry for what is already there.
 */
export async function imageToRun(
  ctx: TaskContext,
  service: Service,
  built: BuiltImage | undefined,
  version: string,
  op: OperationContext,
): Promise<{ image: { name: string; tag: string }; resolved: string }> {
  const image = built ? { name: built.name, tag: built.tag } : imageToPull(service, version);
  if (built?.localImageId && ctx.runtime.builtImages === 'local-engine') {
    op.log('info', `using image ${image.name}:${image.tag} just built (${built.localImageId})`);
    return { image, resolved: built.localImageId };
  }
  op.log('info', `resolving image ${image.name}:${image.tag}`);
  return { image, resolved: await ctx.resolveImage(image, op) };
}
