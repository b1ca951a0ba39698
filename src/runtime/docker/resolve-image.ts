import type Docker from 'dockerode';
import type { DigestResolver, OperationContext } from '../runtime.js';
import { isNotFound } from './instance-ip.js';

/** The image is neither in its registry nor in the local engine. */
export class ImageNotFoundError extends Error {
  readonly code = 'IMAGE_NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'ImageNotFoundError';
  }
}

/**
 * Pulls name:tag (a tag that moved in the registry moves here too) and returns the local
 * image id, which names the image immutably on this engine. When the pull fails but the
 * engine has the image (built here, no registry configured), the local image is used.
 */
export async function resolveImage(docker: Docker, image: { name: string; tag: string }, ctx: OperationContext, registry?: DigestResolver): Promise<string> {
  const current = await currentImage(docker, image, ctx, registry);
  if (current) return current;
  const ref = referenceOf(image);
  ctx.log('info', `pulling ${ref}`);
  let pullError: Error | null = null;
  try {
    await pull(docker, ref, ctx);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    pullError = error as Error;
  }
  try {
    const info = await docker.getImage(ref).inspect();
    if (pullError) ctx.log('warn', `pull of ${ref} failed (${shortMessage(pullError)}); using the image this engine already has`);
    return info.Id;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    throw new ImageNotFoundError(`image ${ref} not found${pullError ? `: ${shortMessage(pullError)}` : ''}`);
  }
}

/** The local image id when the engine has what the registry serves for name:tag now; else null (a pull decides). */
export async function currentImage(docker: Docker, image: { name: string; tag: string }, ctx: OperationContext, registry?: DigestResolver): Promise<string | null> {
  const ref = referenceOf(image);
  ctx.signal.throwIfAborted();
  const current = await alreadyCurrent(docker, image, ref, registry, ctx.signal);
  if (!current) return null;
  ctx.log('info', `${ref} is up to date (${current.digest})`);
  return current.id;
}

function referenceOf(image: { name: string; tag: string }): string {
  return image.tag.startsWith('sha256:') ? `${image.name}@${image.tag}` : `${image.name}:${image.tag}`;
}

/**
 * The local image when it is what the registry serves for ref now: the registry's digest for
 * the reference is among the digests the local image was pulled by. A pull would download
 * nothing then, but costs a streamed request and a manifest walk. Null whenever that cannot be
 * told (no registry, not pulled from one, any error): the pull decides.
 */
async function alreadyCurrent(
  docker: Docker,
  image: { name: string; tag: string },
  ref: string,
  registry: DigestResolver | undefined,
  signal: AbortSignal,
): Promise<{ id: string; digest: string } | null> {
  try {
    const [digest, local] = await Promise.all([registryDigest(docker, image, ref, registry, signal), docker.getImage(ref).inspect()]);
    if (!digest || !(local.RepoDigests ?? []).includes(`${image.name}@${digest}`)) return null;
    return { id: local.Id, digest };
  } catch {
    return null;
  }
}

/**
 * The digest the registry serves for the reference: one manifest request from the server's
 * registry client (a few ms), else through the engine (its /distribution call costs 20–45 ms,
 * but knows the engine's own registry settings, such as insecure registries).
 */
async function registryDigest(
  docker: Docker,
  image: { name: string; tag: string },
  ref: string,
  registry: DigestResolver | undefined,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (image.tag.startsWith('sha256:')) return image.tag;
  if (registry) {
    try {
      return await registry.manifestDigest(image.name, image.tag, signal);
    } catch {
      signal.throwIfAborted();
    }
  }
  const remote = (await docker.getImage(ref).distribution()) as { Descriptor?: { digest?: string } };
  return remote.Descriptor?.digest;
}

async function pull(docker: Docker, ref: string, ctx: OperationContext): Promise<void> {
  const stream = (await docker.pull(ref, { abortSignal: ctx.signal })) as NodeJS.ReadableStream & { destroy?: (e?: Error) => void };
  const onAbort = (): void => stream.destroy?.(new Error('pull canceled'));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      let layers = 0;
      let streamError: string | null = null;
      docker.modem.followProgress(
        stream,
        (error: Error | null) => {
          if (ctx.signal.aborted) return reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('pull canceled'));
          if (error) return reject(error);
          // A failed pull still ends the stream normally; the error is one of its events.
          if (streamError !== null) return reject(new Error(streamError));
          if (layers > 0) ctx.log('info', `${layers} layer(s) pulled`);
          resolve();
        },
        (event: { status?: string; error?: string }) => {
          // Brief: per-layer download progress is noise; keep the summary lines.
          if (typeof event.error === 'string') streamError = event.error;
          const status = event.status ?? '';
          if (status === 'Pull complete') layers++;
          else if (/^(Digest|Status):/.test(status)) ctx.log('info', status);
        },
      );
    });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

function shortMessage(error: Error): string {
  return error.message.replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, '').split('\n')[0]!.slice(0, 300);
}
