import type { KubeConfig, KubernetesObject, V1CronJob, V1Deployment, V1Ingress, V1Pod, V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { ingressManifests, type IngressSettings } from './ingress-manifests.js';
import type { RunningState } from '../../domain/statuses.js';
import {
  RolloutCanceledError,
  RolloutFailedError,
  type DigestResolver,
  type Endpoint,
  type EnvironmentTarget,
  type InstanceDetail,
  type JobResult,
  type LogQuery,
  type LogSource,
  type UsageReading,
  type JobSpec,
  type OperationContext,
  type RolloutSpec,
  type Runtime,
  type ScheduleSpec,
  type ServiceTarget,
} from '../runtime.js';
import { kubeconfigSecrets } from './credential-scrub.js';
import { redact } from '../../domain/redact.js';
import { Cluster, apiErrorMessage, type ObjectRef } from './cluster.js';
import {
  deploymentManifest,
  envSecretManifest,
  envSecretNamed,
  namespaceManifest,
  loadBalancerAddress,
  publicServiceManifest,
  serviceManifest,
  statefulSetManifest,
  workloadKind,
  type ManifestOptions,
  type TcpServiceType,
  type Workload,
  type WorkloadKind,
} from './manifests.js';
import { kubernetesSchedule } from './cron-schedule.js';
import { cronJobManifest } from './job-manifests.js';
import { runKubernetesJob } from './job-run.js';
import { replacingMergePatch } from './merge-patch.js';
import {
  ANNOTATION,
  LABEL,
  MANAGED_BY,
  envSecretName,
  labelSelector,
  namespaceName,
  publicServiceName,
  selectorLabels,
  workloadName,
} from './names-and-labels.js';
import { lastExitReasons, runningStateFromPods } from './observe.js';
import { instanceFromPod, usageFromPodMetrics, type PodMetrics } from './pod-instances.js';
import { openPodLogs } from './pod-logs.js';
import { findRevision, type Revision } from './previous-revision.js';
import { resolveImageReference } from './resolve-image.js';
import { workloadSpecHash, workloadSpecHashes } from './running-spec-hash.js';
import { waitForRollout, workloadRef, type WaitOutcome } from './wait-rollout.js';

export interface KubernetesRuntimeOptions {
  kubeConfig: KubeConfig;
  /** Resolves image tags to digests (the cluster pulls; Slipway only asks the registry). */
  registry?: DigestResolver;
  /** Host name in endpoint URLs (a node's address); default localhost. */
  publicHost?: string;
  storageClassName?: string;
  /** Ingresses for public http ports (docs/edge.md#kubernetes); unset: none, NodePorts only. */
  ingress?: IngressSettings;
  /** The Service type of public tcp ports (SLIPWAY_K8S_TCP_SERVICE_TYPE); default NodePort. */
  tcpServiceType?: TcpServiceType;
  /** Background messages (the pod watch); no deployment to log them to. */
  log?: (message: string) => void;
}

const KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet'];
/** Field managers of the imperative moves; the manifests belong to FIELD_MANAGER. */
const SCALE_MANAGER = 'slipway-scale';
const RESTART_MANAGER = 'slipway-restart';
const UNDO_MANAGER = 'slipway-rollback';
/** How long recovery waits for the previous revision to serve again (it ends the service either way). */
const SETTLE_WAIT_MS = 120_000;
/** A cluster found without metrics.k8s.io is not asked again for this long (metrics-server may come later). */
const METRICS_RECHECK_MS = 60_000;

/**
 * The `kubernetes` runtime (docs/runtimes.md#kubernetes): a namespace per environment; a Deployment (or a
 * StatefulSet with PVCs for databases and services with storage) plus Services per service,
 * all server-side applied. Rollouts are judged from the workload's status as
 * `kubectl rollout status` does, followed with watches, and undone when they fail or are
 * canceled by putting the previous pod template back.
 */
export class KubernetesRuntime implements Runtime {
  /** The cluster's nodes pull what is built. */
  readonly builtImages = 'registry' as const;
  readonly cluster: Cluster;
  /** When metrics.k8s.io was last found not served; undefined: served, or not asked yet. */
  private metricsNotServedAt: number | undefined;
  private readonly registry: DigestResolver | undefined;
  private readonly publicHost: string;
  private readonly manifestOptions: ManifestOptions;
  private readonly log: (message: string) => void;
  private readonly listeners = new Set<(serviceId: string) => void>();
  private podWatch: AbortController | null = null;
  private podWatchRetry: NodeJS.Timeout | null = null;
  private watching = false;
  private watchBackoffMs = 250;
  private lastWatchError: string | null = null;
  private closed = false;

  private readonly ingress: IngressSettings | undefined;
  private readonly tcpServiceType: TcpServiceType;

  constructor(options: KubernetesRuntimeOptions) {
    this.cluster = new Cluster(options.kubeConfig);
    this.registry = options.registry;
    this.publicHost = options.publicHost ?? 'localhost';
    this.ingress = options.ingress;
    this.tcpServiceType = options.tcpServiceType ?? 'NodePort';
    this.manifestOptions = options.storageClassName !== undefined ? { storageClassName: options.storageClassName } : {};
    // Background messages quote the client's errors: the kubeconfig's credentials are scrubbed.
    const log = options.log ?? (() => undefined);
    const secrets = kubeconfigSecrets(options.kubeConfig);
    this.log = (message) => log(redact(message, secrets));
  }

  async prepareEnvironment(env: EnvironmentTarget, ctx: OperationContext): Promise<void> {
    const namespace = namespaceManifest(env);
    const existing = await this.cluster.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace.metadata!.name! } });
    if (existing) return;
    await this.cluster.apply(namespace);
    ctx.log('info', `created namespace ${namespace.metadata!.name!}`);
  }

  resolveImage(image: { name: string; tag: string }, ctx: OperationContext): Promise<string> {
    return resolveImageReference(this.registry, image, ctx);
  }

  /** The cluster pulls, never Slipway: resolving is always without a pull. */
  currentImage(image: { name: string; tag: string }, ctx: OperationContext): Promise<string | null> {
    return this.resolveImage(image, ctx);
  }

  async runningSpecHash(target: ServiceTarget): Promise<string | null> {
    const found = await this.findWorkload(target);
    return found ? workloadSpecHash(found.kind, found.object) : null;
  }

  /** Every service's at once: two lists of the namespace (Deployments, StatefulSets), not a read per service. */
  async runningSpecHashes(env: EnvironmentTarget): Promise<Map<string, string | null>> {
    const namespace = namespaceName(env.environmentId);
    const selector = labelSelector({ [LABEL.managedBy]: MANAGED_BY });
    const [deployments, statefulSets] = await Promise.all([
      this.cluster.list<V1Deployment>('apps/v1', 'Deployment', namespace, selector),
      this.cluster.list<V1StatefulSet>('apps/v1', 'StatefulSet', namespace, selector),
    ]);
    return workloadSpecHashes(deployments.items, statefulSets.items);
  }

  async deploy(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void> {
    await this.prepareEnvironment(target, ctx);
    const kind = workloadKind(target, spec);
    const namespace = namespaceName(target.environmentId);
    const name = workloadName(target.serviceId);
    await this.removeOtherKind(target, kind, ctx);
    const before = await this.cluster.read<Workload>(workloadRef(kind, namespace, name));
    await this.applyServices(target, spec, kind);
    await this.applyEnvSecret(target, spec);
    const manifest = kind === 'Deployment' ? deploymentManifest(target, spec) : statefulSetManifest(target, spec, this.manifestOptions);
    const applied = await this.cluster.apply<KubernetesObject & Workload>(manifest as KubernetesObject & Workload);
    const changed = before?.metadata?.generation !== applied.metadata?.generation;
    ctx.log('info', `applied ${kind} ${namespace}/${name} (generation ${applied.metadata?.generation ?? '?'}${changed ? '' : ', unchanged'})`);
    await this.followRollout(target, kind, spec, before, ctx);
  }

  async restart(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void> {
    await this.prepareEnvironment(target, ctx);
    const kind = workloadKind(target, spec);
    const namespace = namespaceName(target.environmentId);
    const name = workloadName(target.serviceId);
    const ref = workloadRef(kind, namespace, name);
    await this.removeOtherKind(target, kind, ctx);
    await this.applyServices(target, spec, kind);
    await this.applyEnvSecret(target, spec);
    const manifest = kind === 'Deployment' ? deploymentManifest(target, spec) : statefulSetManifest(target, spec, this.manifestOptions);
    await this.cluster.apply<KubernetesObject & Workload>(manifest as KubernetesObject & Workload);
    const before = await this.cluster.read<Workload>(ref);
    const restartedAt = new Date().toISOString();
    // What `kubectl rollout restart` does: a new template annotation, so every pod is replaced.
    await this.cluster.mergePatch(ref, { spec: { template: { metadata: { annotations: { [ANNOTATION.restartedAt]: restartedAt } } } } }, RESTART_MANAGER);
    ctx.log('info', `restarting ${kind} ${namespace}/${name} (restartedAt ${restartedAt})`);
    await this.followRollout(target, kind, spec, before, ctx);
  }

  /** The workload's Service: `s-<service id>` in the environment's namespace. */
  serviceHost(target: ServiceTarget): string {
    return workloadName(target.serviceId);
  }

  /** A lifecycle job's run as a Job (job-run.ts). */
  async runJob(target: ServiceTarget, spec: JobSpec, ctx: OperationContext): Promise<JobResult> {
    await this.prepareEnvironment(target, ctx);
    return runKubernetesJob(this.cluster, target, spec, ctx);
  }

  /**
   * A cron job as a CronJob, server-side applied with `suspend: false` (so it also resumes a
   * stopped one), its secret env values in a Secret named after the spec hash as a
   * Deployment's are. A schedule Kubernetes cannot run (a seconds field) is refused first.
   */
  async installSchedule(target: ServiceTarget, spec: ScheduleSpec, ctx: OperationContext): Promise<void> {
    const schedule = kubernetesSchedule(spec.schedule);
    await this.prepareEnvironment(target, ctx);
    const namespace = namespaceName(target.environmentId);
    const secret = envSecretNamed(target, spec, envSecretName(target.serviceId, spec.specHash));
    if (secret) await this.cluster.apply(secret);
    const applied = await this.cluster.apply<KubernetesObject & V1CronJob>(cronJobManifest(target, spec, schedule, secret?.metadata?.name) as KubernetesObject & V1CronJob);
    ctx.log('info', `applied CronJob ${namespace}/${applied.metadata?.name ?? '?'} (schedule "${schedule}", ${spec.version})`);
    // The Secrets of earlier specs: the CronJob no longer refers to them.
    const { items } = await this.cluster.list<V1Secret>('v1', 'Secret', namespace, labelSelector(selectorLabels(target.serviceId)));
    for (const old of items) {
      const name = old.metadata?.name;
      if (name && name !== secret?.metadata?.name && (old.metadata?.ownerReferences ?? []).length === 0) {
        await this.cluster.delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } });
      }
    }
  }

  /** Stop of a cron job: its CronJob suspended; a run going on may finish. */
  async suspendSchedule(target: ServiceTarget, ctx: OperationContext): Promise<void> {
    await this.suspendCronJobs(target, ctx);
  }

  /**
   * After the process following a rollout died: the revision running `keepSpecHash` (the spec
   * deployed before) is put back as a failed rollout's undo does, found among the workload's
   * ReplicaSets / ControllerRevisions; nothing deployed before (null) ⇒ scaled to 0. Left
   * alone when the workload already runs that spec or no revision of it is kept.
   */
  async settle(target: ServiceTarget, keepSpecHash: string | null, ctx: OperationContext): Promise<void> {
    const found = await this.findWorkload(target);
    if (!found) return;
    const { kind, object } = found;
    const current = object.spec?.template?.metadata?.annotations?.[ANNOTATION.specHash];
    if (keepSpecHash !== null && current === keepSpecHash) return;
    const namespace = namespaceName(target.environmentId);
    const previous = keepSpecHash === null ? null : await findRevision(this.cluster, kind, namespace, { serviceId: target.serviceId, uid: object.metadata?.uid }, keepSpecHash);
    if (keepSpecHash !== null && !previous) {
      ctx.log('warn', `the interrupted rollout is left to finish: no revision of the previously deployed spec is kept`);
      return;
    }
    ctx.log('warn', 'undoing the rollout the interrupted deployment left');
    await this.restore(target, kind, previous, { specHash: current, waitMs: SETTLE_WAIT_MS }, ctx);
  }

  async stop(target: ServiceTarget, ctx: OperationContext): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    const name = workloadName(target.serviceId);
    for (const kind of KINDS) {
      const ref = workloadRef(kind, namespace, name);
      if (!(await this.cluster.read(ref))) continue;
      await this.cluster.mergePatch(ref, { spec: { replicas: 0 } }, SCALE_MANAGER);
      ctx.log('info', `scaled ${kind} ${namespace}/${name} to 0; volumes kept`);
    }
    await this.suspendCronJobs(target, ctx);
    await this.waitForNoPods(target, 120_000);
  }

  async delete(target: ServiceTarget, options: { keepData: boolean }, ctx: OperationContext): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    const name = workloadName(target.serviceId);
    const refs: ObjectRef[] = [
      ...KINDS.map((kind) => workloadRef(kind, namespace, name)),
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: publicServiceName(target.serviceId), namespace } },
    ];
    for (const ref of refs) {
      if (await this.cluster.delete(ref)) ctx.log('info', `deleted ${ref.kind} ${namespace}/${ref.metadata.name}`);
    }
    const selector = labelSelector(selectorLabels(target.serviceId));
    for (const [apiVersion, kind] of [
      ['batch/v1', 'CronJob'],
      ['batch/v1', 'Job'],
      ['v1', 'Secret'],
      ['networking.k8s.io/v1', 'Ingress'],
    ] as const) {
      const { items } = await this.cluster.list(apiVersion, kind, namespace, selector);
      for (const item of items) {
        await this.cluster.delete({ apiVersion, kind, metadata: { name: item.metadata!.name!, namespace } });
        ctx.log('info', `deleted ${kind} ${namespace}/${item.metadata!.name!}`);
      }
    }
    await this.waitForNoPods(target, 120_000);
    if (!options.keepData) {
      const { items } = await this.cluster.list('v1', 'PersistentVolumeClaim', namespace, selector);
      for (const pvc of items) {
        await this.cluster.delete({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: pvc.metadata!.name!, namespace } });
        ctx.log('info', `deleted PersistentVolumeClaim ${namespace}/${pvc.metadata!.name!}`);
      }
    }
  }

  async deleteEnvironment(env: EnvironmentTarget, ctx: OperationContext): Promise<void> {
    const name = namespaceName(env.environmentId);
    if (await this.cluster.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })) {
      ctx.log('info', `deleting namespace ${name}`);
    }
  }

  async observe(target: ServiceTarget): Promise<RunningState> {
    try {
      return runningStateFromPods(await this.pods(target));
    } catch {
      return { status: 'UNKNOWN', instances: [] };
    }
  }

  /** observe() of several services from one list of the namespace's pods. */
  async observeEnvironment(env: EnvironmentTarget, serviceIds: readonly string[]): Promise<Map<string, RunningState>> {
    const { items } = await this.cluster.list<V1Pod>('v1', 'Pod', namespaceName(env.environmentId), labelSelector({ [LABEL.managedBy]: MANAGED_BY }));
    return new Map(serviceIds.map((id) => [id, runningStateFromPods(items.filter((pod) => pod.metadata?.labels?.[LABEL.service] === id))]));
  }

  /**
   * Public ports are NodePorts, reachable on every node's address at the allocated port; a
   * LoadBalancer Service's ports on its address once the cluster assigned one; http ports with
   * an Ingress on its hosts.
   */
  async endpoints(target: ServiceTarget): Promise<Endpoint[]> {
    const service = await this.cluster.read<V1Service>({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: publicServiceName(target.serviceId), namespace: namespaceName(target.environmentId) },
    });
    if (!service) return [];
    const protocols = parseProtocols(service.metadata?.annotations?.[ANNOTATION.publicPorts]);
    const hosts = await this.ingressHosts(target);
    const balancer = loadBalancerAddress(service);
    return (service.spec?.ports ?? [])
      .filter((p) => p.nodePort !== undefined)
      .sort((a, b) => a.port - b.port)
      .flatMap((p): Endpoint[] => {
        const protocol = protocols[String(p.port)] ?? 'http';
        const byHost = protocol === 'http' ? hosts.filter((h) => h.port === p.port) : [];
        if (byHost.length > 0) return byHost.map((h) => ({ port: h.tls ? 443 : 80, protocol, host: h.host, url: `${h.tls ? 'https' : 'http'}://${h.host}` }));
        if (balancer !== undefined) return [{ port: p.port, protocol, url: `${protocol}://${balancer}:${p.port}` }];
        return [{ port: p.nodePort!, protocol, url: `${protocol}://${this.publicHost}:${p.nodePort!}` }];
      });
  }

  /** The hosts the service's Ingresses serve, per backend port. */
  private async ingressHosts(target: ServiceTarget): Promise<Array<{ host: string; port: number; tls: boolean }>> {
    if (!this.ingress) return [];
    const namespace = namespaceName(target.environmentId);
    const { items } = await this.cluster.list<V1Ingress>('networking.k8s.io/v1', 'Ingress', namespace, labelSelector(selectorLabels(target.serviceId)));
    return items.flatMap((ingress) => {
      const tlsHosts = new Set((ingress.spec?.tls ?? []).flatMap((t) => t.hosts ?? []));
      return (ingress.spec?.rules ?? []).flatMap((rule) => {
        const port = rule.http?.paths[0]?.backend.service?.port?.number;
        return rule.host && port !== undefined ? [{ host: rule.host, port, tls: tlsHosts.has(rule.host) }] : [];
      });
    });
  }

  watch(listener: (serviceId: string) => void): () => void {
    this.listeners.add(listener);
    this.startPodWatch();
    return () => {
      this.listeners.delete(listener);
    };
  }

  async start(): Promise<void> {
    this.closed = false;
    if (this.listeners.size > 0) this.startPodWatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.podWatchRetry) clearTimeout(this.podWatchRetry);
    this.podWatchRetry = null;
    this.podWatch?.abort();
    this.podWatch = null;
    this.watching = false;
    this.listeners.clear();
    this.cluster.close();
  }

  // --- rollouts -----------------------------------------------------------------------------

  /**
   * Waits for the rollout as `kubectl rollout status` does. Failed (progress deadline, or the
   * backstop deadline) ⇒ undo, RolloutFailedError; aborted ⇒ undo, RolloutCanceledError.
   */
  private async followRollout(target: ServiceTarget, kind: WorkloadKind, spec: RolloutSpec, before: Workload | null, ctx: OperationContext): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    const name = workloadName(target.serviceId);
    // A Deployment fails by its progressDeadlineSeconds; this backstop covers a StatefulSet
    // (which has none) and a controller that stopped answering.
    const perInstance = Math.max(1, spec.startTimeoutSeconds) * 1000;
    const deadlineMs = kind === 'Deployment' ? perInstance * (spec.instances + 1) + 60_000 : perInstance * Math.max(1, spec.instances);
    const outcome: WaitOutcome = await waitForRollout(this.cluster, kind, namespace, name, {
      signal: ctx.signal,
      deadlineMs,
      onProgress: (message) => ctx.log('info', `rollout: ${message}`),
    });
    if (outcome.state === 'done') {
      ctx.log('info', `rolled out ${spec.version}`);
      await this.pruneEnvSecrets(target, kind, ctx, outcome.workload);
      return;
    }
    if (outcome.state === 'aborted') {
      ctx.log('warn', 'canceled mid-rollout: undoing it');
      await this.undo(target, kind, spec, before, ctx);
      await this.pruneEnvSecrets(target, kind, ctx);
      throw new RolloutCanceledError('canceled: the rollout was undone');
    }
    const pods = await this.pods(target).catch(() => [] as V1Pod[]);
    const exits = lastExitReasons(pods);
    const message = `${outcome.message}${exits.length > 0 ? `; ${exits.join(', ')}` : ''}`;
    ctx.log('error', `rollout failed: ${message}; undoing it`);
    await this.undo(target, kind, spec, before, ctx);
    await this.pruneEnvSecrets(target, kind, ctx);
    throw new RolloutFailedError(message);
  }

  /** Undo of this rollout: the workload as it was before it (see restore). */
  private async undo(target: ServiceTarget, kind: WorkloadKind, spec: RolloutSpec, before: Workload | null, ctx: OperationContext): Promise<void> {
    const previous = before?.spec?.template ? { template: before.spec.template, replicas: before.spec.replicas } : null;
    await this.restore(target, kind, previous, { specHash: spec.specHash, waitMs: Math.max(1, spec.startTimeoutSeconds) * 1000 + 60_000 }, ctx);
  }

  /**
   * `kubectl rollout undo`: the previous pod template (and replica count) put back whole;
   * none ⇒ scaled to 0. Then waits (without the deployment's signal: an undo is not canceled)
   * up to `broken.waitMs` for the previous pods to serve.
   */
  private async restore(target: ServiceTarget, kind: WorkloadKind, previous: Revision | null, broken: { specHash: string | undefined; waitMs: number }, ctx: OperationContext): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    const name = workloadName(target.serviceId);
    const ref = workloadRef(kind, namespace, name);
    try {
      const current = await this.cluster.read<Workload>(ref);
      if (!current) return;
      const patch: Record<string, unknown> = { replicas: previous ? (previous.replicas ?? current.spec?.replicas ?? 1) : 0 };
      if (previous) patch.template = replacingMergePatch(current.spec?.template, previous.template);
      await this.cluster.mergePatch(ref, { spec: patch }, UNDO_MANAGER);
      ctx.log('info', previous ? `put the previous pod template back (${previous.template.metadata?.annotations?.[ANNOTATION.version] ?? '?'})` : 'no previous version: scaled to 0');
      if (kind === 'StatefulSet') {
        // A StatefulSet does not replace a pod stuck on a broken revision by itself.
        for (const pod of await this.pods(target)) {
          if (pod.metadata?.annotations?.[ANNOTATION.specHash] === broken.specHash && pod.metadata?.name) {
            await this.cluster.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata.name, namespace } });
          }
        }
      }
      const restored = await waitForRollout(this.cluster, kind, namespace, name, { deadlineMs: broken.waitMs, ignoreProgressDeadline: true });
      if (restored.state !== 'done') ctx.log('warn', `the previous version is not fully back yet: ${'message' in restored ? restored.message : restored.state}`);
    } catch (error) {
      ctx.log('error', `undoing the rollout failed: ${apiErrorMessage(error)}`);
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  private async findWorkload(target: ServiceTarget): Promise<{ kind: WorkloadKind; object: Workload } | null> {
    const namespace = namespaceName(target.environmentId);
    const name = workloadName(target.serviceId);
    for (const kind of KINDS) {
      const object = await this.cluster.read<Workload>(workloadRef(kind, namespace, name));
      if (object) return { kind, object };
    }
    return null;
  }

  /** A service that gained (or lost) storage changes kind: the old workload goes first. */
  private async removeOtherKind(target: ServiceTarget, kind: WorkloadKind, ctx: OperationContext): Promise<void> {
    const other: WorkloadKind = kind === 'Deployment' ? 'StatefulSet' : 'Deployment';
    const namespace = namespaceName(target.environmentId);
    const name = workloadName(target.serviceId);
    // Read first: the other kind is seldom there, and a delete is a write even when it finds nothing.
    const ref = workloadRef(other, namespace, name);
    if ((await this.cluster.read(ref)) && (await this.cluster.delete(ref))) {
      ctx.log('info', `removed ${other} ${namespace}/${name}: the service now runs as a ${kind}`);
      await this.waitForNoPods(target, 120_000);
    }
  }

  private async applyServices(target: ServiceTarget, spec: RolloutSpec, kind: WorkloadKind): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    const wanted = [serviceManifest(target, spec, kind), publicServiceManifest(target, spec, this.tcpServiceType)].filter((s) => s !== null);
    for (const service of wanted) await this.cluster.apply(service);
    if (wanted.length < 2) {
      // One list finds a Service no longer wanted, rather than a delete of each name (most never existed).
      const keep = new Set(wanted.map((s) => s.metadata?.name));
      const { items } = await this.cluster.list<V1Service>('v1', 'Service', namespace, labelSelector(selectorLabels(target.serviceId)));
      for (const item of items) {
        const name = item.metadata?.name;
        if (name && !keep.has(name)) await this.cluster.delete({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace } });
      }
    }
    await this.applyIngresses(target, spec);
  }

  /** One Ingress per public http port; those of ports no longer public http go. */
  private async applyIngresses(target: ServiceTarget, spec: RolloutSpec): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    const wanted = this.ingress ? ingressManifests(target, spec, this.ingress) : [];
    for (const ingress of wanted) await this.cluster.apply(ingress);
    const keep = new Set(wanted.map((i) => i.metadata?.name));
    const { items } = await this.cluster.list<V1Ingress>('networking.k8s.io/v1', 'Ingress', namespace, labelSelector(selectorLabels(target.serviceId)));
    for (const item of items) {
      const name = item.metadata?.name;
      if (name && !keep.has(name)) await this.cluster.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace } });
    }
  }

  /** The env Secret first: the pods the new template makes need it to start. */
  private async applyEnvSecret(target: ServiceTarget, spec: RolloutSpec): Promise<void> {
    const secret = envSecretManifest(target, spec);
    if (secret) await this.cluster.apply(secret);
  }

  /**
   * Deletes the service's env Secrets its workload's template no longer references (those of
   * replaced or undone versions). Best effort: a leftover Secret is removed by the next
   * rollout or by Delete.
   */
  private async pruneEnvSecrets(target: ServiceTarget, kind: WorkloadKind, ctx: OperationContext, rolledOut?: Workload): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    try {
      const workload = rolledOut ?? (await this.cluster.read<Workload>(workloadRef(kind, namespace, workloadName(target.serviceId))));
      const used = new Set(
        (workload?.spec?.template?.spec?.containers ?? []).flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef?.name ? [e.valueFrom.secretKeyRef.name] : []))),
      );
      const { items } = await this.cluster.list<V1Secret>('v1', 'Secret', namespace, labelSelector(selectorLabels(target.serviceId)));
      for (const secret of items) {
        const name = secret.metadata?.name;
        if (name && !used.has(name)) await this.cluster.delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } });
      }
    } catch (error) {
      ctx.log('warn', `could not remove the previous env Secrets: ${apiErrorMessage(error)}`);
    }
  }

  private async suspendCronJobs(target: ServiceTarget, ctx: OperationContext): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    const { items } = await this.cluster.list<V1CronJob>('batch/v1', 'CronJob', namespace, labelSelector(selectorLabels(target.serviceId)));
    for (const cron of items) {
      if (cron.spec?.suspend === true) continue;
      await this.cluster.mergePatch({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: cron.metadata!.name!, namespace } }, { spec: { suspend: true } }, SCALE_MANAGER);
      ctx.log('info', `suspended CronJob ${namespace}/${cron.metadata!.name!}`);
    }
  }

  /** The service's pods, then the pods of its job runs going on. */
  async instances(target: ServiceTarget): Promise<InstanceDetail[]> {
    return (await this.observedPods(target)).map(instanceFromPod);
  }

  /** From metrics.k8s.io when the cluster serves it (metrics-server); else available: false. */
  async usage(target: ServiceTarget): Promise<UsageReading> {
    // The sampler asks for every service every 15 s: without metrics-server, once a minute is enough.
    if (this.metricsNotServedAt !== undefined && Date.now() - this.metricsNotServedAt < METRICS_RECHECK_MS) return { available: false, instances: [] };
    const namespace = namespaceName(target.environmentId);
    let metrics: PodMetrics[];
    try {
      metrics = (await this.cluster.list<PodMetrics & { apiVersion?: string; kind?: string }>('metrics.k8s.io/v1beta1', 'PodMetrics', namespace, labelSelector(selectorLabels(target.serviceId)))).items;
    } catch (error) {
      if (!isNotServed(error)) throw error;
      this.metricsNotServedAt = Date.now();
      return { available: false, instances: [] };
    }
    this.metricsNotServedAt = undefined;
    const pods = await this.pods(target);
    return { available: true, instances: metrics.map((m) => usageFromPodMetrics(m, pods.find((p) => p.metadata?.name === m.metadata?.name))) };
  }

  /** One pod log stream per selected pod (its first container: Slipway's pods have one). */
  async logSources(target: ServiceTarget, query: LogQuery): Promise<LogSource[]> {
    const namespace = namespaceName(target.environmentId);
    const pods = (await this.observedPods(target)).filter((p) => query.instance === undefined || p.metadata?.name === query.instance);
    const sources: LogSource[] = [];
    for (const pod of pods) {
      const name = pod.metadata?.name;
      const container = pod.spec?.containers[0]?.name;
      if (!name || !container) continue;
      sources.push({ instance: name, lines: await openPodLogs(this.cluster.config, { namespace, name, container }, query) });
    }
    return sources;
  }

  private async observedPods(target: ServiceTarget): Promise<V1Pod[]> {
    const namespace = namespaceName(target.environmentId);
    const [own, runs] = await Promise.all([
      this.pods(target),
      this.cluster.list<V1Pod>('v1', 'Pod', namespace, labelSelector({ [LABEL.managedBy]: MANAGED_BY, [LABEL.jobService]: target.serviceId })),
    ]);
    const byName = (a: V1Pod, b: V1Pod): number => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
    return [...own.sort(byName), ...runs.items.filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending').sort(byName)];
  }

  private async pods(target: ServiceTarget): Promise<V1Pod[]> {
    const { items } = await this.cluster.list<V1Pod>('v1', 'Pod', namespaceName(target.environmentId), labelSelector(selectorLabels(target.serviceId)));
    return items;
  }

  /** Until the service has no pod left (a stop or delete is over when its instances are gone). */
  private async waitForNoPods(target: ServiceTarget, timeoutMs: number): Promise<void> {
    const namespace = namespaceName(target.environmentId);
    const selector = labelSelector(selectorLabels(target.serviceId));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { items, resourceVersion } = await this.cluster.list<V1Pod>('v1', 'Pod', namespace, selector);
      if (items.length === 0) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${items.length} pod(s) of ${workloadName(target.serviceId)} still present after ${Math.round(timeoutMs / 1000)} s`);
      await this.cluster.nextChange(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selector, resourceVersion }, undefined, Math.min(left, 30_000));
    }
  }

  /** One pod watch over every namespace for Slipway's pods; tells listeners which service changed. */
  private startPodWatch(): void {
    if (this.watching || this.closed) return;
    this.watching = true;
    const started = Date.now();
    const restart = (): void => {
      this.watching = false;
      this.podWatch = null;
      if (this.closed || this.podWatchRetry) return;
      // A watch that ran a while is re-opened at once; one that keeps failing backs off to 30 s.
      this.watchBackoffMs = Date.now() - started > 10_000 ? 250 : Math.min(30_000, Math.max(500, this.watchBackoffMs * 2));
      this.podWatchRetry = setTimeout(() => {
        this.podWatchRetry = null;
        this.startPodWatch();
      }, this.watchBackoffMs);
      this.podWatchRetry.unref();
    };
    const report = (message: string): void => {
      // Once per distinct failure: an unreachable cluster must not flood the log.
      if (message !== this.lastWatchError) this.log(message);
      this.lastWatchError = message;
    };
    this.cluster.watcher
      .watch(
        '/api/v1/pods',
        { labelSelector: `${LABEL.managedBy}=${MANAGED_BY}` },
        (_phase: string, pod: V1Pod) => {
          const serviceId = pod.metadata?.labels?.[LABEL.service];
          if (serviceId) this.notify(serviceId);
        },
        (error: unknown) => {
          if (error && !this.closed) report(`pod watch ended: ${apiErrorMessage(error)}`);
          restart();
        },
      )
      .then(
        (controller) => {
          if (this.closed) controller.abort();
          else this.podWatch = controller;
          this.lastWatchError = null;
        },
        (error: unknown) => {
          report(`pod watch: ${apiErrorMessage(error)}`);
          restart();
        },
      );
  }

  private notify(serviceId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(serviceId);
      } catch (error) {
        this.log(`watch listener failed: ${(error as Error).message}`);
      }
    }
  }
}

function parseProtocols(text: string | undefined): Record<string, 'http' | 'tcp'> {
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, 'http' | 'tcp'>;
  } catch {
    return {};
  }
}

/** The cluster does not serve that API (no metrics-server): discovery finds no such group or kind. */
function isNotServed(error: unknown): boolean {
  const code = (error as { code?: number; statusCode?: number }).code ?? (error as { statusCode?: number }).statusCode;
  if (code === 404 || code === 503) return true;
  return /unrecognized|not found|no resource|could not find|does not (have|exist)/i.test(apiErrorMessage(error));
}
