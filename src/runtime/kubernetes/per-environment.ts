import { createHash } from 'node:crypto';
import type { Environment } from '../../domain/index.js';
import type { RunningState } from '../../domain/statuses.js';
import type {
  Endpoint,
  EnvironmentTarget,
  InstanceDetail,
  JobResult,
  JobSpec,
  LogQuery,
  LogSource,
  OperationContext,
  RolloutSpec,
  Runtime,
  ScheduleSpec,
  ServiceTarget,
  UsageReading,
} from '../runtime.js';
// Types only: the Kubernetes client is loaded when a cluster is first needed, not with this file.
import type { KubernetesRuntime, KubernetesRuntimeOptions } from './kubernetes-runtime.js';
import { redact } from '../../domain/redact.js';
import { kubeconfigSecrets, scrubError } from './credential-scrub.js';
import { workloadName } from './names-and-labels.js';
import { resolveImageReference } from './resolve-image.js';

export interface KubernetesRuntimesOptions extends Omit<KubernetesRuntimeOptions, 'kubeConfig'> {
  /** The server-wide kubeconfig's path (findKubeconfig); undefined: only environments with their own. */
  defaultKubeconfig?: string;
  /** An environment's own kubeconfig (decrypted), if it has one. Fixed for the environment's life. */
  kubeconfigOf(environmentId: string): Promise<string | undefined>;
}

/**
 * The `kubernetes` runtime of a server: each environment on its own cluster credentials when
 * it carries a kubeconfig, else on the server's. One KubernetesRuntime (client, pod watch) per
 * distinct kubeconfig, created on first use and shared by the environments that use it.
 */
export class KubernetesRuntimes implements Runtime {
  /** The clusters' nodes pull what is built. */
  readonly builtImages = 'registry' as const;
  private defaultRuntime: Promise<KubernetesRuntime | undefined> | undefined;
  /** Set once the server's kubeconfig failed to load: environments without their own are refused. */
  private defaultBroken = false;
  private readonly byEnvironment = new Map<string, Promise<KubernetesRuntime>>();
  private readonly byKubeconfig = new Map<string, Promise<KubernetesRuntime>>();
  private readonly listeners = new Set<(serviceId: string) => void>();
  private readonly created: KubernetesRuntime[] = [];
  private closed = false;

  constructor(private readonly options: KubernetesRuntimesOptions) {}

  /** Whether this server can reach the environment's cluster: its own kubeconfig, or the server's. */
  serves(environment: Environment): boolean {
    if (environment.settings.kubeconfig !== undefined) return true;
    return this.options.defaultKubeconfig !== undefined && !this.defaultBroken;
  }

  // --- Runtime, each call on its environment's cluster --------------------------------------

  async prepareEnvironment(env: EnvironmentTarget, ctx: OperationContext): Promise<void> {
    return this.on(env.environmentId, ctx, (runtime, scrubbed) => runtime.prepareEnvironment(env, scrubbed));
  }

  resolveImage(image: { name: string; tag: string }, ctx: OperationContext): Promise<string> {
    // The registry is the server's, whatever the cluster: no cluster needed.
    return resolveImageReference(this.options.registry, image, ctx);
  }

  /** The cluster pulls, never Slipway: resolving is always without a pull. */
  currentImage(image: { name: string; tag: string }, ctx: OperationContext): Promise<string | null> {
    return this.resolveImage(image, ctx);
  }

  serviceHost(target: ServiceTarget): string {
    return workloadName(target.serviceId);
  }

  async runningSpecHash(target: ServiceTarget): Promise<string | null> {
    return this.on(target.environmentId, undefined, (runtime) => runtime.runningSpecHash(target));
  }

  async runningSpecHashes(env: EnvironmentTarget): Promise<Map<string, string | null>> {
    return this.on(env.environmentId, undefined, (runtime) => runtime.runningSpecHashes(env));
  }

  async deploy(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void> {
    return this.on(target.environmentId, ctx, (runtime, scrubbed) => runtime.deploy(target, spec, scrubbed));
  }

  async restart(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void> {
    return this.on(target.environmentId, ctx, (runtime, scrubbed) => runtime.restart(target, spec, scrubbed));
  }

  async runJob(target: ServiceTarget, spec: JobSpec, ctx: OperationContext): Promise<JobResult> {
    return this.on(target.environmentId, ctx, (runtime, scrubbed) => runtime.runJob(target, spec, scrubbed));
  }

  async installSchedule(target: ServiceTarget, spec: ScheduleSpec, ctx: OperationContext): Promise<void> {
    return this.on(target.environmentId, ctx, (runtime, scrubbed) => runtime.installSchedule(target, spec, scrubbed));
  }

  async suspendSchedule(target: ServiceTarget, ctx: OperationContext): Promise<void> {
    return this.on(target.environmentId, ctx, (runtime, scrubbed) => runtime.suspendSchedule(target, scrubbed));
  }

  async settle(target: ServiceTarget, keepSpecHash: string | null, ctx: OperationContext): Promise<void> {
    return this.on(target.environmentId, ctx, (runtime, scrubbed) => runtime.settle(target, keepSpecHash, scrubbed));
  }

  async stop(target: ServiceTarget, ctx: OperationContext): Promise<void> {
    return this.on(target.environmentId, ctx, (runtime, scrubbed) => runtime.stop(target, scrubbed));
  }

  async delete(target: ServiceTarget, options: { keepData: boolean }, ctx: OperationContext): Promise<void> {
    return this.on(target.environmentId, ctx, (runtime, scrubbed) => runtime.delete(target, options, scrubbed));
  }

  async deleteEnvironment(env: EnvironmentTarget, ctx: OperationContext): Promise<void> {
    await this.on(env.environmentId, ctx, (runtime, scrubbed) => runtime.deleteEnvironment(env, scrubbed));
    this.byEnvironment.delete(env.environmentId);
  }

  observeEnvironment(env: EnvironmentTarget, serviceIds: readonly string[]): Promise<Map<string, RunningState>> {
    return this.on(env.environmentId, undefined, (runtime) => runtime.observeEnvironment(env, serviceIds));
  }

  async observe(target: ServiceTarget): Promise<RunningState> {
    try {
      return await this.on(target.environmentId, undefined, (runtime) => runtime.observe(target));
    } catch {
      return { status: 'UNKNOWN', instances: [] };
    }
  }

  /** None while the cluster does not answer (like observe's UNKNOWN): reads of the service never fail on it. */
  async endpoints(target: ServiceTarget): Promise<Endpoint[]> {
    try {
      return await this.on(target.environmentId, undefined, (runtime) => runtime.endpoints(target));
    } catch {
      return [];
    }
  }

  async instances(target: ServiceTarget): Promise<InstanceDetail[]> {
    return this.on(target.environmentId, undefined, (runtime) => runtime.instances(target));
  }

  async usage(target: ServiceTarget): Promise<UsageReading> {
    return this.on(target.environmentId, undefined, (runtime) => runtime.usage(target));
  }

  async logSources(target: ServiceTarget, query: LogQuery): Promise<LogSource[]> {
    return this.on(target.environmentId, undefined, (runtime) => runtime.logSources(target, query));
  }

  /** Every cluster's pod watch reports here, those of clusters first used later too. */
  watch(listener: (serviceId: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Loads the server's kubeconfig now, so a broken one is reported (and its environments refused) at start. */
  async start(): Promise<void> {
    this.closed = false;
    if (this.options.defaultKubeconfig !== undefined) await this.loadDefault();
  }

  async close(): Promise<void> {
    this.closed = true;
    const runtimes = this.created.splice(0);
    this.byEnvironment.clear();
    this.byKubeconfig.clear();
    this.defaultRuntime = undefined;
    for (const runtime of runtimes) await runtime.close();
  }

  // --- choosing the cluster -----------------------------------------------------------------

  /**
   * A call on the environment's cluster, its credentials kept out of what it reports: the
   * deployment log lines it writes and the error it throws (which the server logs).
   */
  private async on<T>(
    environmentId: string,
    ctx: OperationContext | undefined,
    call: (runtime: KubernetesRuntime, ctx: OperationContext) => Promise<T>,
  ): Promise<T> {
    const runtime = await this.runtimeFor(environmentId);
    const secrets = kubeconfigSecrets(runtime.cluster.config);
    const scrubbed: OperationContext = ctx
      ? { signal: ctx.signal, log: (level, message) => ctx.log(level, redact(message, secrets)) }
      : { signal: new AbortController().signal, log: () => undefined };
    try {
      return await call(runtime, scrubbed);
    } catch (error) {
      throw scrubError(error, secrets);
    }
  }

  private runtimeFor(environmentId: string): Promise<KubernetesRuntime> {
    let runtime = this.byEnvironment.get(environmentId);
    if (!runtime) {
      runtime = this.resolve(environmentId);
      this.byEnvironment.set(environmentId, runtime);
      // A failure (unknown environment, unreachable store) is not remembered: the next call tries again.
      runtime.catch(() => this.byEnvironment.delete(environmentId));
    }
    return runtime;
  }

  private async resolve(environmentId: string): Promise<KubernetesRuntime> {
    const text = await this.options.kubeconfigOf(environmentId);
    if (text === undefined) {
      const fallback = await this.loadDefault();
      if (!fallback) {
        throw new Error('the kubernetes runtime is not configured on this Slipway server: set KUBECONFIG, or create the environment with its own kubeconfig');
      }
      return fallback;
    }
    const key = createHash('sha256').update(text).digest('hex');
    let runtime = this.byKubeconfig.get(key);
    if (!runtime) {
      runtime = this.load(async (options) => {
        const [{ loadKubeconfigText }, { KubernetesRuntime: Runtime }] = await Promise.all([import('./kubeconfig-text.js'), import('./kubernetes-runtime.js')]);
        // The message says what is wrong, never the text.
        return new Runtime({ ...options, kubeConfig: await loadKubeconfigText(text) });
      });
      this.byKubeconfig.set(key, runtime);
      runtime.catch(() => this.byKubeconfig.delete(key));
    }
    return runtime;
  }

  private loadDefault(): Promise<KubernetesRuntime | undefined> {
    const path = this.options.defaultKubeconfig;
    if (path === undefined || this.defaultBroken) return Promise.resolve(undefined);
    this.defaultRuntime ??= this.load(async (options) => {
      const { kubernetesRuntimeIfConfigured } = await import('./from-kubeconfig.js');
      const runtime = kubernetesRuntimeIfConfigured(path, options);
      if (!runtime) throw new Error('not loaded');
      return runtime;
    }).catch(() => {
      this.defaultBroken = true;
      return undefined;
    });
    return this.defaultRuntime;
  }

  /** Creates a runtime and forwards its pod watch to this runtime's listeners. */
  private async load(make: (options: Omit<KubernetesRuntimeOptions, 'kubeConfig'>) => Promise<KubernetesRuntime>): Promise<KubernetesRuntime> {
    const { defaultKubeconfig: _path, kubeconfigOf: _lookup, ...options } = this.options;
    const runtime = await make(options);
    this.created.push(runtime);
    if (!this.closed) {
      runtime.watch((serviceId) => {
        for (const listener of this.listeners) listener(serviceId);
      });
    }
    return runtime;
  }
}
