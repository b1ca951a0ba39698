import type { DigestResolver, OperationContext } from '../runtime.js';

/**
 * The cluster pulls images itself, so Slipway cannot pull to learn an image id: the reference
 * is `name@digest` when the registry answers (an immutable reference: a moved tag is a
 * change), else `name:tag` (the registry is not reachable from here; the nodes may still
 * pull it).
 */
export async function resolveImageReference(registry: DigestResolver | undefined, image: { name: string; tag: string }, ctx: OperationContext): Promise<string> {
  if (registry) {
    try {
      const digest = await registry.manifestDigest(image.name, image.tag, ctx.signal);
      ctx.log('info', `image ${image.name}:${image.tag} is ${digest}`);
      return `${image.name}@${digest}`;
    } catch (error) {
      ctx.signal.throwIfAborted();
      ctx.log('warn', `cannot resolve ${image.name}:${image.tag} to a digest (${(error as Error).message}): deploying it by tag`);
    }
  }
  return `${image.name}:${image.tag}`;
}
