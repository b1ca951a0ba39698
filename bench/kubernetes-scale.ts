/**
 * Kubernetes at scale, on the test control plane (scripts/k8s/up.sh) with KWOK simulating the
 * nodes: BENCH_K8S_NODES KWOK nodes of the bench's own, BENCH_K8S_ENVIRONMENTS environments ×
 * BENCH_K8S_SERVICES `container` services (the test app's image from the local registry,
 * 1 instance, no ports) on Slipway's Kubernetes runtime, with a SQLite store, driven in this
 * process as the engine bench drives the engine.
 *
 * 1. The floor: a direct script (bench/support/kube-direct-script.ts) applies the same
 *    Deployments with the same client library and waits for each rollout, with the same
 *    parallelism (each environment's maxParallelDeploys, all environments at once).
 * 2. Slipway: Deploy of every environment, one request each, all at once, timed from the first
 *    submit until every deployment ended. Ratio to the script: target ≤ 1.2.
 * 3. Redeploy without changes of every environment at once (1 warm-up, then BENCH_K8S_RUNS):
 *    target under 3 s for 1,000 services; the API server requests per service counted at the
 *    client (bench/support/api-requests.ts), split reads / writes: goal 1 read, 0 writes.
 *
 * Each side runs in its own namespaces; the script's are deleted (and waited for) before
 * Slipway deploys, so both meet the same cluster. Nodes and namespaces are removed at the end,
 * also when the benchmark breaks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { RegistryClient } from '../src/build/registry-client.js';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, specHash, type DesiredSpec } from '../src/domain/index.js';
import { Engine } from '../src/engine/engine.js';
import type { EnvironmentTarget, RolloutSpec, ServiceTarget } from '../src/runtime/runtime.js';
import { deploymentManifest } from '../src/runtime/kubernetes/manifests.js';
import { environmentLabels, namespaceName } from '../src/runtime/kubernetes/names-and-labels.js';
import { KubernetesRuntimes } from '../src/runtime/kubernetes/per-environment.js';
import { resolveImageReference } from '../src/runtime/kubernetes/resolve-image.js';
import { createStore } from '../src/store/create-store.js';
import type { Store } from '../src/store/store.js';
import { ApiRequestCounter, countApiRequests } from './support/api-requests.js';
import { EventLog, runActions, type BenchEngine } from './support/bench-engine.js';
import { CallTimes } from './support/call-times.js';
import { directDeploy } from './support/kube-direct-script.js';
import { benchCluster, benchKubeconfig, createBenchNamespace, createBenchNodes, removeBenchNamespaces, removeBenchNodes } from './support/kwok-bench-cluster.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';
import { elapsedMs, median, runsList } from './support/stats.js';

const NODES = Number(process.env.BENCH_K8S_NODES ?? 100);
const ENVIRONMENTS = Number(process.env.BENCH_K8S_ENVIRONMENTS ?? 100);
const SERVICES = Number(process.env.BENCH_K8S_SERVICES ?? 10);
const RUNS = Number(process.env.BENCH_K8S_RUNS ?? 3);
const TOTAL = ENVIRONMENTS * SERVICES;
/** Generous bounds: the control plane shares 2 cores; a stuck rollout must still end the run. */
const DEPLOY_TIMEOUT_MS = 180_000 + TOTAL * 1_000;
const CLEANUP_TIMEOUT_MS = 120_000 + TOTAL * 300;

const REGISTRY = process.env.SLIPWAY_TEST_REGISTRY ?? '127.0.0.1:5000';
const IMAGE = { name: `${REGISTRY}/slipway-test/app`, tag: 'v1' };
/** Small requests: KWOK nodes report plenty, but the figures should not depend on packing. */
const SETTINGS = { ...DEFAULT_SERVICE_SETTINGS, cpu: 10, memoryMb: 16 };

interface Counted {
  reads: number;
  writes: number;
  byName: Array<{ name: string; count: number }>;
}

/** The direct script's Deployments: the manifests Slipway would apply for the same services. */
function directManifests(resolvedImage: string): ReturnType<typeof deploymentManifest>[][] {
  const desired: DesiredSpec = { image: resolvedImage, instances: SETTINGS.instances, cpu: SETTINGS.cpu, memoryMb: SETTINGS.memoryMb, env: {}, ports: [], healthchecks: {}, storage: [] };
  const spec: RolloutSpec = { ...desired, specHash: specHash(desired), version: IMAGE.tag, startTimeoutSeconds: SETTINGS.startTimeoutSeconds };
  return Array.from({ length: ENVIRONMENTS }, (_, e) =>
    Array.from({ length: SERVICES }, (_, s) => {
      const target: ServiceTarget = {
        projectId: 'bench-direct',
        projectName: 'bench-direct',
        environmentId: `bench-direct-${e}`,
        environmentName: `env-${e}`,
        serviceId: `bench-direct-${e}-${s}`,
        serviceName: `svc-${s}`,
        serviceType: 'container',
      };
      return deploymentManifest(target, spec);
    }),
  );
}

/** The environments and services in the store, each environment's namespace made ready for the bench nodes. */
async function createEnvironments(store: Store, cluster: ReturnType<typeof benchCluster>): Promise<{ environmentIds: string[]; serviceIds: string[] }> {
  const project = await store.createProject({ name: `bench-k8s-${Date.now().toString(36)}` });
  const environmentIds: string[] = [];
  const serviceIds: string[] = [];
  for (let e = 0; e < ENVIRONMENTS; e++) {
    const environment = await store.createEnvironment({ projectId: project.id, name: `env-${e}`, runtime: 'kubernetes', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    environmentIds.push(environment.id);
    const target: EnvironmentTarget = { projectId: project.id, projectName: project.name, environmentId: environment.id, environmentName: environment.name };
    // Slipway finds the namespace there and keeps it (prepareEnvironment creates only a missing one).
    await createBenchNamespace(cluster, namespaceName(environment.id), environmentLabels(target));
    for (let s = 0; s < SERVICES; s++) {
      const service = await store.createService({ environmentId: environment.id, name: `svc-${s}`, type: 'container', source: { image: IMAGE }, settings: SETTINGS });
      serviceIds.push(service.id);
    }
  }
  return { environmentIds, serviceIds };
}

/** Every service's deployed spec hash, by id. */
async function specHashes(store: Store, environmentIds: readonly string[]): Promise<Map<string, string | null>> {
  const hashes = new Map<string, string | null>();
  for (const id of environmentIds) for (const service of await store.listServices(id)) hashes.set(service.id, service.deployedSpecHash);
  return hashes;
}

/** An Engine on a temporary SQLite store with the kubernetes runtime wired as src/app.ts wires it. */
async function kubernetesEngine(kubeconfig: string, registry: RegistryClient): Promise<BenchEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-k8s-'));
  const store = await createStore({ dataDir: dir, secretKey: 'bench-key' });
  const kubernetes = new KubernetesRuntimes({ defaultKubeconfig: kubeconfig, kubeconfigOf: async () => undefined, registry });
  const engine = new Engine(store, { kubernetes }, pino({ level: 'silent' }));
  return {
    store,
    engine,
    times: new CallTimes(),
    events: new EventLog(engine),
    close: async () => {
      await engine.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function counted(counter: ApiRequestCounter, times: number): Counted {
  const s = counter.summary();
  return { reads: s.reads / times, writes: s.writes / times, byName: s.byName.map((n) => ({ name: n.name, count: n.count / times })) };
}

function perService(c: Counted): string {
  return `${(c.reads / TOTAL).toFixed(2)} reads, ${(c.writes / TOTAL).toFixed(2)} writes`;
}

function breakdown(c: Counted): string {
  return c.byName.map((n) => `${n.name} ${Number.isInteger(n.count) ? n.count : n.count.toFixed(1)}`).join('; ');
}

interface Measured {
  directMs: number;
  directRequests: Counted;
  slipwayMs: number;
  slipwayRequests: Counted;
  noop: number[];
  noopToDeployed: number[];
  noopCpuMs: number[];
  noopRequests: Counted;
  cleanupNote: string;
}

async function measure(): Promise<Measured> {
  const kubeconfig = benchKubeconfig();
  const cluster = benchCluster(kubeconfig);
  const server = new URL(cluster.config.getCurrentCluster()?.server ?? 'https://127.0.0.1:16443');
  const counter = new ApiRequestCounter();
  const uninstall = countApiRequests(server, counter);
  // As the server makes it (default timeout): a digest the registry did not give in time is
  // deployed by tag, which is a change, and a no-op redeploy would roll every service out.
  const registry = new RegistryClient();
  let bench: BenchEngine | undefined;
  const result: Partial<Measured> = {};
  try {
    // What a broken earlier run left.
    await removeBenchNamespaces(cluster, CLEANUP_TIMEOUT_MS);
    await createBenchNodes(cluster, NODES, 180_000);

    // 1. The direct script, in namespaces of its own.
    const resolved = await resolveImageReference(registry, IMAGE, { signal: new AbortController().signal, log: () => undefined });
    const manifests = directManifests(resolved);
    for (const environment of manifests) await createBenchNamespace(cluster, environment[0]!.metadata!.namespace!);
    counter.reset();
    counter.enabled = true;
    const directStart = process.hrtime.bigint();
    await directDeploy(cluster.config, manifests, DEFAULT_ENVIRONMENT_SETTINGS.maxParallelDeploys, DEPLOY_TIMEOUT_MS);
    result.directMs = elapsedMs(directStart);
    counter.enabled = false;
    result.directRequests = counted(counter, 1);
    if (!(await removeBenchNamespaces(cluster, CLEANUP_TIMEOUT_MS, (name) => name.startsWith('slipway-bench-direct-')))) {
      throw new Error('the direct script\'s namespaces were not deleted in time');
    }

    // 2. Slipway's Deploy of every environment.
    bench = await kubernetesEngine(kubeconfig, registry);
    const { environmentIds, serviceIds } = await createEnvironments(bench.store, cluster);
    await bench.engine.start();
    counter.reset();
    counter.enabled = true;
    const deployed = await runActions(bench, environmentIds, 'DEPLOY', DEPLOY_TIMEOUT_MS);
    counter.enabled = false;
    const failed = deployed.find((r) => r.status !== 'SUCCESS');
    if (failed) throw new Error(`Slipway's Deploy ended ${failed.status}: ${failed.message}`);
    result.slipwayMs = Math.max(...deployed.map((r) => r.endedAt)) - Math.min(...deployed.map((r) => r.startedAt));
    result.slipwayRequests = counted(counter, 1);

    // 3. Redeploy without changes: run 0 warms up.
    const deployedHashes = await specHashes(bench.store, environmentIds);
    result.noop = [];
    result.noopToDeployed = [];
    result.noopCpuMs = [];
    counter.reset();
    for (let run = 0; run <= RUNS; run++) {
      counter.enabled = run > 0;
      const cpuBefore = process.cpuUsage();
      const ended = await runActions(bench, environmentIds, 'REDEPLOY', 300_000);
      const cpu = process.cpuUsage(cpuBefore);
      counter.enabled = false;
      const broken = ended.find((r) => r.status !== 'SUCCESS');
      if (broken) throw new Error(`no-op redeploy ${run} ended ${broken.status}: ${broken.message}`);
      const changed = [...(await specHashes(bench.store, environmentIds))].filter(([id, hash]) => deployedHashes.get(id) !== hash).length;
      if (changed > 0) throw new Error(`no-op redeploy ${run} rolled out ${changed} services: their spec changed (an image not resolved to its digest in time is deployed by tag)`);
      const startedAt = Math.min(...ended.map((r) => r.startedAt));
      const lastDeployed = bench.events.lastStatusAt(serviceIds, 'DEPLOYED', startedAt);
      if (lastDeployed === null) throw new Error(`no-op redeploy ${run}: not every service went DEPLOYED`);
      if (run === 0) continue;
      result.noop.push(Math.max(...ended.map((r) => r.endedAt)) - startedAt);
      result.noopToDeployed.push(lastDeployed - startedAt);
      result.noopCpuMs.push((cpu.user + cpu.system) / 1000);
    }
    result.noopRequests = counted(counter, RUNS);
  } finally {
    counter.enabled = false;
    await bench?.close().catch(() => undefined);
    const cleanStart = process.hrtime.bigint();
    const gone = await removeBenchNamespaces(cluster, CLEANUP_TIMEOUT_MS).catch(() => false);
    const nodes = await removeBenchNodes(cluster).catch(() => -1);
    uninstall();
    result.cleanupNote = `Clean-up: namespaces ${gone ? 'deleted' : 'NOT all deleted in time'}, ${nodes} bench nodes deleted, in ${ms(elapsedMs(cleanStart))}.`;
    if (!gone || nodes < 0) process.stderr.write(`kubernetes bench: ${result.cleanupNote}\n`);
  }
  return result as Measured;
}

function rows(m: Measured): Row[] {
  const ratio = m.slipwayMs / m.directMs;
  const noop = median(m.noop);
  const readsPerService = m.noopRequests.reads / TOTAL;
  const writesPerService = m.noopRequests.writes / TOTAL;
  return [
    {
      what: `Deploy of ${ENVIRONMENTS} environments × ${SERVICES} services (one request each, all at once): Slipway / direct script`,
      measured: `${ms(m.slipwayMs)} / ${ms(m.directMs)} = ${ratio.toFixed(2)}`,
      target: '≤ 1.2',
      verdict: verdict(ratio <= 1.2),
      value: ratio,
      unit: 'ratio',
    },
    { what: 'Deploy: API requests per service, Slipway', measured: perService(m.slipwayRequests), target: '', verdict: 'info' },
    { what: 'Deploy: API requests per service, direct script', measured: perService(m.directRequests), target: '', verdict: 'info' },
    {
      what: `Redeploy, no changes, all ${TOTAL} services (${ENVIRONMENTS} requests at once): request → deployments ended`,
      measured: `${ms(noop)} median (runs: ${runsList(m.noop)})`,
      target: '< 3000 ms',
      verdict: verdict(noop < 3000),
      value: noop,
      unit: 'ms',
    },
    {
      what: 'No-op: API server requests per service (counted at the client)',
      measured: `${readsPerService.toFixed(2)} reads, ${writesPerService.toFixed(2)} writes`,
      target: '≤ 1 read, 0 writes',
      verdict: verdict(readsPerService <= 1 && writesPerService === 0),
      value: readsPerService,
      unit: 'reads per service',
    },
    { what: 'No-op: requests per redeploy of all, by kind', measured: breakdown(m.noopRequests), target: '', verdict: 'info' },
    { what: 'No-op: request → last service DEPLOYED', measured: `${ms(median(m.noopToDeployed))} median (runs: ${runsList(m.noopToDeployed)})`, target: '', verdict: 'info' },
    { what: 'No-op: CPU time of the bench process per redeploy (user + system)', measured: `${ms(median(m.noopCpuMs))} median (runs: ${runsList(m.noopCpuMs)})`, target: '', verdict: 'info' },
    { what: 'Deploy: Slipway requests by kind', measured: breakdown(m.slipwayRequests), target: '', verdict: 'info' },
  ];
}

export async function kubernetesScale(): Promise<Omit<BenchResult, 'durationMs'>> {
  const m = await measure();
  return {
    name: 'kubernetes',
    title: 'Kubernetes at scale (KWOK)',
    rows: rows(m),
    notes: [
      `Test control plane (scripts/k8s/up.sh) with ${NODES} KWOK nodes of the bench's own (tainted; the bench namespaces place their pods there). KWOK makes a pod Ready within about 1 s of jitter; the controller-manager, scheduler, KWOK and etcd share the machine with the bench.`,
      `Services: ${IMAGE.name}:${IMAGE.tag} resolved to its digest, 1 instance, no ports, cpu ${SETTINGS.cpu}m, memory ${SETTINGS.memoryMb} MiB; environment maxParallelDeploys ${DEFAULT_ENVIRONMENT_SETTINGS.maxParallelDeploys} (the default) for Slipway and the script. SQLite store; default engine options; Kubernetes runtime as the server wires it (KubernetesRuntimes).`,
      'Direct script: per Deployment a server-side apply and a watch until the rollout is done (as kubectl rollout status judges it), same client library; its namespaces are deleted (and waited for) before Slipway deploys.',
      `API requests: every HTTPS request this process sent to the API server while measured (reads are GETs, watches included; writes are the rest). No-op figures are per redeploy, averaged over ${RUNS} runs after 1 warm-up; they include what the engine reads in the background meanwhile (pod lists of the running-state monitor, usage sampling), listed by kind.`,
      m.cleanupNote,
    ],
  };
}
