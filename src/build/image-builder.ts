import type Docker from 'dockerode';
import { contextTar } from './build-context.js';
import { RegistryClient, RegistryError } from './registry-client.js';

/**
 * Images built from git (docs/build.md) through the Docker Engine API: whether one exists already,
 * the build itself with its output streamed line by line, and the push.
 */

/** `<registry>/<project>-<service>:<commit>`, or `slipway/<project>-<service>:<commit>` in the local engine. */
export function builtImageName(registry: string | undefined, projectName: string, serviceName: string): string {
  const repository = `${projectName}-${serviceName}`.toLowerCase();
  return registry ? `${registry.replace(/\/+$/, '')}/${repository}` : `slipway/${repository}`;
}

export interface BuildOutput {
  signal: AbortSignal;
  /** One line of the builder's output. */
  line(level: 'info' | 'error', text: string): void;
}

export class ImageBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageBuildError';
  }
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string };
}

/** Runs a call on the engine; the server's turns an unreachable engine into a message naming its address and the fix. */
export type EngineCall = <T>(work: () => Promise<T>) => Promise<T>;

export class ImageBuilder {
  constructor(
    private readonly docker: Docker,
    private readonly registry: string | undefined,
    private readonly registryClient: RegistryClient = new RegistryClient(),
    private readonly onEngine: EngineCall = (work) => work(),
  ) {}

  /** In the registry when one is configured, else in the local engine. */
  async exists(name: string, tag: string, signal?: AbortSignal): Promise<boolean> {
    if (this.registry) {
      try {
        await this.registryClient.manifestDigest(name, tag, signal);
        return true;
      } catch (error) {
        if (error instanceof RegistryError && error.code === 'NOT_FOUND') return false;
        throw error;
      }
    }
    try {
      await this.onEngine(() => this.docker.getImage(`${name}:${tag}`).inspect());
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
  }

  /**
   * Builds the context directory (its top-level `entries`, sent as a plain tar: see
   * build-context.ts) with the Dockerfile at `dockerfile` (relative to the context). Aborting
   * the signal aborts the request, which makes the engine stop the build.
   */
  async build(context: { dir: string; entries: string[]; dockerfile: string }, ref: string, out: BuildOutput): Promise<string> {
    out.signal.throwIfAborted();
    const tar = await contextTar(context.dir, context.entries, context.dockerfile);
    const stream = (await this.onEngine(() =>
      this.docker.buildImage(
        tar,
        // dockerode's types lack abortSignal, which its modem honours.
        { t: ref, dockerfile: context.dockerfile, rm: true, forcerm: true, abortSignal: out.signal } as Docker.ImageBuildOptions,
      ),
    )) as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
    await this.follow(stream, out, (event) => {
      if (typeof event.stream === 'string') return event.stream;
      if (typeof event.status === 'string') return `${event.status}\n`;
      return null;
    });
    // The id as the engine's inspect gives it (the same the docker runtime's resolveImage reads
    // after a pull), so a later redeploy of this commit finds the same spec hash.
    return (await this.docker.getImage(ref).inspect()).Id;
  }

  /** Pushes name:tag (Docker wants an X-Registry-Auth header even for a registry without auth: an empty one). */
  async push(name: string, tag: string, out: BuildOutput): Promise<void> {
    out.signal.throwIfAborted();
    const stream = (await this.onEngine(() =>
      this.docker.getImage(`${name}:${tag}`).push({ tag, authconfig: {}, abortSignal: out.signal } as Docker.ImagePushOptions),
    )) as NodeJS.ReadableStream & {
      destroy?: (error?: Error) => void;
    };
    await this.follow(stream, out, (event) => {
      // Per-layer progress bars are noise; keep the lines that say something.
      if (event.progress !== undefined) return null;
      if (typeof event.status === 'string') return event.id ? `${event.id}: ${event.status}\n` : `${event.status}\n`;
      return null;
    });
  }

  /**
   * Reads a progress stream to its end, giving each complete text line to out.line (build
   * output arrives in pieces that split lines); rejects on its error event.
   */
  private follow(
    stream: NodeJS.ReadableStream & { destroy?: (error?: Error) => void },
    out: BuildOutput,
    text: (event: ProgressEvent) => string | null,
  ): Promise<void> {
    const onAbort = (): void => stream.destroy?.(new Error('stopped'));
    out.signal.addEventListener('abort', onAbort, { once: true });
    let partial = '';
    let failure: string | null = null;
    const emit = (chunk: string): void => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) out.line('info', line.replace(/\s+$/, ''));
    };
    return new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (error: Error | null) => {
          out.signal.removeEventListener('abort', onAbort);
          if (partial.trim()) out.line('info', partial.trimEnd());
          partial = '';
          if (out.signal.aborted) return reject(out.signal.reason instanceof Error ? out.signal.reason : new ImageBuildError('stopped'));
          if (failure !== null) return reject(new ImageBuildError(failure));
          if (error) return reject(new ImageBuildError(error.message));
          resolve();
        },
        (event: ProgressEvent) => {
          if (typeof event.error === 'string' || event.errorDetail?.message) {
            failure = event.errorDetail?.message ?? event.error ?? 'failed';
            out.line('error', failure);
            return;
          }
          const t = text(event);
          if (t !== null) emit(t);
        },
      );
    });
  }
}
