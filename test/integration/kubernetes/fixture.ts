import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, type V1Deployment, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import pino from 'pino';
import { RegistryClient } from '../../../src/build/registry-client.js';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type DeploymentStatus, type JobSource, type ServiceSettings } from '../../../src/domain/index.js';
import type { SubmitInput } from '../../../src/engine/control-plane.js';
import { Engine } from '../../../src/engine/engine.js';
import type { SlipwayEvent } from '../../../src/engine/events.js';
import { KubernetesRuntime } from '../../../src/runtime/kubernetes/kubernetes-runtime.js';
import { labelSelector, namespaceName, selectorLabels, workloadName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import type { Runtime, ServiceTarget } from '../../../src/runtime/runtime.js';
import { serviceTarget } from '../../../src/engine/service-target.js';
import { createStore } from '../../../src/store/create-store.js';
import type { Deployment, Store } from '../../../src/store/store.js';

/**
 * The kubeconfig of the test control plane: SLIPWAY_TEST_KUBECONFIG, else the path
 * scripts/k8s/up.sh prints (its run directory). Tests start nothing: `npm test` runs
 * scripts/services/up.sh, which builds and starts the control plane.
 */
export function testKubeconfig(): string {
  const path = process.env.SLIPWAY_TEST_KUBECONFIG || join(process.env.SLIPWAY_K8S_RUN || '/dev/shm/slipway-k8s', 'admin.kubeconfig');
  if (!existsSync(path)) {
    throw new Error(`no kubeconfig at ${path}: start the test control plane with \`npm run k8s:up\` (or set SLIPWAY_TEST_KUBECONFIG)`);
  }
  return path;
}

const REGISTRY = process.env.SLIPWAY_TEST_REGISTRY ?? '127.0.0.1:5000';
export const APP_IMAGE = `${REGISTRY}/slipway-test/app`;

export function action(environmentId: string, a: SubmitInput['action'], extra: Partial<SubmitInput> = {}): SubmitInput {
  return { environmentId, action: a, origin: 'API', triggeredBy: 'test', queue: true, ...extra };
}

/**
 * A real Engine on a SQLite store driving a runtime on the test control plane, with helpers
 * to build kubernetes environments and to read what the runtime created.
 */
export class KubeFixture {
  readonly events: SlipwayEvent[] = [];
  private readonly environments: Array<{ projectId: string; projectName: string; environmentId: string; environmentName: string }> = [];

  private constructor(
    readonly store: Store,
    readonly engine: Engine,
    readonly runtime: KubernetesRuntime,
    private readonly dir: string,
  ) {
    engine.events.subscribe((e) => this.events.push(e));
  }

  static async create(runtime?: KubernetesRuntime): Promise<KubeFixture> {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(testKubeconfig());
    const k8s = runtime ?? new KubernetesRuntime({ kubeConfig, registry: new RegistryClient({ timeoutMs: 3000 }) });
    return KubeFixture.withRuntimes(k8s, { kubernetes: k8s });
  }

  /** An engine with exactly these runtimes (e.g. none, to see a kubernetes environment refused). */
  static async withRuntimes(runtime: KubernetesRuntime, runtimes: { kubernetes?: Runtime; docker?: Runtime }): Promise<KubeFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-k8s-'));
    const store = await createStore({ dataDir: dir, secretKey: 'test-key' });
    const engine = new Engine(store, runtimes, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000 });
    await engine.start();
    return new KubeFixture(store, engine, runtime, dir);
  }

  async close(): Promise<void> {
    await this.engine.close();
    const noSignal = { signal: new AbortController().signal, log: () => undefined };
    for (const env of this.environments) await this.runtime.deleteEnvironment(env, noSignal).catch(() => undefined);
    await this.runtime.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async environment(name = 'staging'): Promise<string> {
    const project = await this.store.createProject({ name: `k8s-${Math.random().toString(36).slice(2, 8)}` });
    const env = await this.store.createEnvironment({ projectId: project.id, name, runtime: 'kubernetes', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    this.environments.push({ projectId: project.id, projectName: project.name, environmentId: env.id, environmentName: env.name });
    return env.id;
  }

  async container(environmentId: string, name: string, settings: Partial<ServiceSettings> = {}): Promise<string> {
    const service = await this.store.createService({
      environmentId,
      name,
      type: 'container',
      source: { image: { name: APP_IMAGE, tag: 'v1' } },
      settings: { ...DEFAULT_SERVICE_SETTINGS, ...settings },
    });
    return service.id;
  }

  /** A job service running the test app's image (kwok completes its pods; env picks a failure stage). */
  async job(environmentId: string, name: string, source: Partial<Omit<JobSource, 'source'>>, settings: Partial<ServiceSettings> = {}): Promise<string> {
    const service = await this.store.createService({
      environmentId,
      name,
      type: 'job',
      source: { jobType: 'lifecycle', maxDurationSeconds: 120, maxRestarts: 0, ...source, source: { image: { name: APP_IMAGE, tag: 'v1' } } },
      settings: { ...DEFAULT_SERVICE_SETTINGS, ...settings },
    });
    return service.id;
  }

  async database(environmentId: string, name: string, storageGb = 1): Promise<string> {
    const service = await this.store.createService({
      environmentId,
      name,
      type: 'database',
      source: { engine: 'postgresql', version: 'v1', mode: 'container', storageGb, image: { name: APP_IMAGE, tag: 'v1' } },
      // The test app stands in for PostgreSQL: the database's readiness (tcp) checks the port it listens on.
      settings: {
        ...DEFAULT_SERVICE_SETTINGS,
        ports: [{ containerPort: 8080, public: false, protocol: 'tcp' }],
        storage: [{ mountPath: '/var/lib/postgresql/data', sizeGb: storageGb }],
      },
    });
    return service.id;
  }

  async updateSettings(serviceId: string, patch: Partial<ServiceSettings>): Promise<void> {
    const service = (await this.store.getService(serviceId))!;
    await this.store.updateService(serviceId, { settings: { ...service.settings, ...patch } });
  }

  /** Submits an action and waits for its deployment to end. */
  async run(environmentId: string, a: SubmitInput['action'], extra: Partial<SubmitInput> = {}, timeoutMs = 90_000): Promise<Deployment> {
    const { deploymentId } = await this.engine.submit(action(environmentId, a, extra));
    return this.finished(deploymentId, timeoutMs);
  }

  async status(serviceId: string): Promise<DeploymentStatus> {
    return (await this.store.getService(serviceId))!.status;
  }

  /** The statuses a service went through, in order, as published on the event stream. */
  statusPath(serviceId: string): DeploymentStatus[] {
    return this.events.flatMap((e) => (e.type === 'service.status' && e.serviceId === serviceId ? [e.status] : []));
  }

  /** The statuses from the n-th QUEUED-like start on: one action's path. */
  lastPath(serviceId: string, from: number): DeploymentStatus[] {
    return this.statusPath(serviceId).slice(from);
  }

  async finished(deploymentId: string, timeoutMs = 90_000): Promise<Deployment> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.store.getDeployment(deploymentId);
      if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') return d;
      if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} still ${d?.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // --- reading the cluster ------------------------------------------------------------------

  /** The runtime's view of a service, to call it directly. */
  async target(serviceId: string): Promise<ServiceTarget> {
    const known = this.targets.get(serviceId);
    if (known) return known;
    const service = (await this.store.getService(serviceId))!;
    const environment = (await this.store.getEnvironment(service.environmentId))!;
    const project = (await this.store.getProject(environment.projectId))!;
    const target = serviceTarget(project, environment, service);
    this.targets.set(serviceId, target);
    return target;
  }

  /** Remembered, so the cluster can still be read after a Delete removed the service. */
  private readonly targets = new Map<string, ServiceTarget>();

  async namespaceOf(serviceId: string): Promise<string> {
    return namespaceName((await this.target(serviceId)).environmentId);
  }

  async deployment(serviceId: string): Promise<V1Deployment | null> {
    const namespace = await this.namespaceOf(serviceId);
    return this.runtime.cluster.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: workloadName(serviceId), namespace } });
  }

  async statefulSet(serviceId: string): Promise<V1StatefulSet | null> {
    const namespace = await this.namespaceOf(serviceId);
    return this.runtime.cluster.read<V1StatefulSet>({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: workloadName(serviceId), namespace } });
  }

  async pods(serviceId: string): Promise<V1Pod[]> {
    const namespace = await this.namespaceOf(serviceId);
    return (await this.runtime.cluster.list<V1Pod>('v1', 'Pod', namespace, labelSelector(selectorLabels(serviceId)))).items;
  }
}
