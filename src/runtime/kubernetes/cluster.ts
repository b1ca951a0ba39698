import { KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { errorMessage } from '../../domain/errors.js';
import { keepAliveConfig, SharedAgent } from './keep-alive.js';
import { FIELD_MANAGER } from './names-and-labels.js';

/** apiVersion, kind and (namespace, name): what places an object on the API server. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export type WatchQuery = Record<string, string | number | boolean | undefined>;

export function isNotFound(error: unknown): boolean {
  return (error as { code?: number; statusCode?: number }).code === 404 || (error as { statusCode?: number }).statusCode === 404;
}

/** The message the API server gave (its Status body), else the error's own. */
export function apiErrorMessage(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      // not JSON: fall through
    }
  } else if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return errorMessage(error);
}

/**
 * The few verbs the runtime uses, on any kind of object: server-side apply under Slipway's
 * field manager, read, merge patch, delete, list, and watch.
 */
export class Cluster {
  readonly objects: KubernetesObjectApi;
  readonly watcher: Watch;

  private readonly agent = new SharedAgent();

  constructor(readonly config: KubeConfig) {
    // Requests reuse connections (keep-alive.ts); watches hold one each anyway.
    this.objects = KubernetesObjectApi.makeApiClient(keepAliveConfig(config, this.agent));
    this.watcher = new Watch(config);
  }

  /** Closes the idle connections to the API server. */
  close(): void {
    this.agent.close();
  }

  /** Server-side apply: the body is the whole intent of Slipway's field manager for the object. */
  async apply<T extends KubernetesObject>(object: T): Promise<T> {
    try {
      return await this.objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw new Error(`applying ${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}: ${apiErrorMessage(error)}`, { cause: error });
    }
  }

  /** A JSON merge patch under a field manager of its own (scale, restart, undo). */
  async mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: Record<string, unknown>, fieldManager: string): Promise<T> {
    const body = { ...patch, apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...(patch.metadata as object | undefined), name: ref.metadata.name, namespace: ref.metadata.namespace } };
    try {
      return await this.objects.patch(body as KubernetesObject as T, undefined, undefined, fieldManager, undefined, PatchStrategy.MergePatch);
    } catch (error) {
      throw new Error(`patching ${ref.kind} ${ref.metadata.namespace ?? ''}/${ref.metadata.name}: ${apiErrorMessage(error)}`, { cause: error });
    }
  }

  async read<T extends KubernetesObject>(ref: ObjectRef): Promise<T | null> {
    try {
      return (await this.objects.read(ref as KubernetesObject as T & { metadata: { name: string; namespace: string } })) as T;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Deletes; a missing object is already deleted. */
  async delete(ref: ObjectRef, propagationPolicy: 'Background' | 'Foreground' = 'Background'): Promise<boolean> {
    try {
      await this.objects.delete(ref as KubernetesObject, undefined, undefined, undefined, undefined, propagationPolicy);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new Error(`deleting ${ref.kind} ${ref.metadata.namespace ?? ''}/${ref.metadata.name}: ${apiErrorMessage(error)}`, { cause: error });
    }
  }

  async list<T extends KubernetesObject>(apiVersion: string, kind: string, namespace: string | undefined, labelSelector: string): Promise<{ items: T[]; resourceVersion: string | undefined }> {
    const list = await this.objects.list<T>(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion };
  }

  /**
   * Resolves at the next change of the watched collection after resourceVersion (or when the
   * watch ends, times out after maxWaitMs, or the signal aborts): the caller then reads again.
   */
  async nextChange(path: string, query: WatchQuery, signal: AbortSignal | undefined, maxWaitMs: number): Promise<void> {
    // An ERROR event (410 Gone) is followed by the watch's end, which paces the caller.
    await this.watchUntil(path, query, signal, maxWaitMs, (type) => (type === 'ERROR' ? undefined : true));
  }

  /**
   * Watches the collection from resourceVersion and hands each event (its type and object) to
   * `decide` until it returns a value, which this resolves with. Resolves undefined when the
   * watch ends, maxWaitMs passes or the signal aborts: the caller then reads again.
   */
  async watchUntil<T, R>(path: string, query: WatchQuery, signal: AbortSignal | undefined, maxWaitMs: number, decide: (type: string, object: T) => R | undefined): Promise<R | undefined> {
    if (signal?.aborted) return undefined;
    let controller: AbortController | undefined;
    let settle: (value: R | undefined) => void = () => undefined;
    const settled = new Promise<R | undefined>((resolve) => {
      settle = resolve;
    });
    const timer = setTimeout(() => settle(undefined), maxWaitMs);
    const onAbort = (): void => settle(undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let endedEarly = false;
      const started = Date.now();
      controller = await this.watcher.watch(
        path,
        { ...query, allowWatchBookmarks: false, timeoutSeconds: Math.max(1, Math.ceil(maxWaitMs / 1000)) },
        (type: string, object: T) => {
          const decided = decide(type, object);
          if (decided !== undefined) settle(decided);
        },
        () => {
          endedEarly = Date.now() - started < 200;
          settle(undefined);
        },
      );
      const result = await settled;
      // A watch the server ends at once (e.g. 410 Gone) must not turn the caller into a busy loop.
      if (result === undefined && endedEarly) await new Promise((resolve) => setTimeout(resolve, 200));
      return result;
    } catch {
      // The watch could not start: the caller reads again after a short pause.
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, maxWaitMs)));
      return undefined;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      controller?.abort();
    }
  }
}
