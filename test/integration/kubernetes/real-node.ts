import { KubeConfig, type V1Namespace, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { RegistryClient } from '../../../src/build/registry-client.js';
import type { Probe, ServiceSettings } from '../../../src/domain/index.js';
import type { Cluster } from '../../../src/runtime/kubernetes/cluster.js';
import { KubernetesRuntime } from '../../../src/runtime/kubernetes/kubernetes-runtime.js';
import { namespaceName } from '../../../src/runtime/kubernetes/names-and-labels.js';
import { KubeFixture, testKubeconfig } from './fixture.js';

/**
 * Tests whose pods really run: on the real node scripts/k8s/node.sh starts beside the control
 * plane (containerd, a CNI bridge, kubelet, kube-proxy). That node is tainted so the KWOK tests'
 * pods never land on it; a real-node test creates its environment's namespace first with the
 * PodNodeSelector / PodTolerationRestriction annotations, so every pod Slipway makes there
 * selects the node and tolerates its taint (Slipway finds the namespace and keeps it).
 */

export const REAL_NODE = process.env.SLIPWAY_K8S_REAL_NODE_NAME || 'slipway-real-node';

const PLACEMENT = {
  'scheduler.alpha.kubernetes.io/node-selector': 'slipway.dev/node=real',
  'scheduler.alpha.kubernetes.io/defaultTolerations': JSON.stringify([{ key: 'slipway.dev/real-node', operator: 'Exists', effect: 'NoSchedule' }]),
};

/** The app's port and an HTTP readiness probe on /healthz every second. */
export const APP_PORT = 8080;
export const READINESS: Probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };

/** Settings of a public HTTP service of the test app, gated on readiness. */
export function webSettings(overrides: Partial<ServiceSettings> = {}): Partial<ServiceSettings> {
  return {
    cpu: 100,
    memoryMb: 32,
    ports: [{ containerPort: APP_PORT, public: true, protocol: 'http' }],
    healthchecks: { readiness: READINESS },
    startTimeoutSeconds: 60,
    ...overrides,
  };
}

/** A fixture whose runtime reports endpoints on 127.0.0.1 (kube-proxy opens NodePorts on loopback). */
export async function realNodeFixture(): Promise<KubeFixture> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(testKubeconfig());
  const runtime = new KubernetesRuntime({ kubeConfig, registry: new RegistryClient({ timeoutMs: 3000 }), publicHost: '127.0.0.1' });
  await assertRealNodeReady(runtime.cluster);
  return KubeFixture.create(runtime);
}

export async function assertRealNodeReady(cluster: Cluster): Promise<void> {
  const node = await cluster.read<V1Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name: REAL_NODE } });
  const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (!ready) throw new Error(`the real node ${REAL_NODE} is not Ready: start it with \`npm run k8s:up\` (scripts/k8s/node.sh)`);
}

/** A kubernetes environment whose pods run on the real node. */
export async function realEnvironment(f: KubeFixture, name = 'staging'): Promise<string> {
  const environmentId = await f.environment(name);
  await placeOnRealNode(f.runtime.cluster, environmentId);
  return environmentId;
}

/** Creates the environment's namespace with the annotations that place its pods on the real node. */
export async function placeOnRealNode(cluster: Cluster, environmentId: string): Promise<void> {
  const namespace: V1Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespaceName(environmentId), annotations: PLACEMENT } };
  await cluster.apply(namespace);
}

export function isReady(pod: V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

export interface LoadStats {
  ok: number;
  failed: number;
  failures: string[];
  bodies: Set<string>;
}

/**
 * Forgets the connections to 127.0.0.1:`port` that were never translated to a pod. Until
 * kube-proxy routes a new Service's NodePort to ready pods, it rejects a SYN to that port (ICMP
 * port unreachable), and conntrack keeps the refused attempt, untranslated, for 120 s
 * (SYN_SENT). A later connection from the same source port to the same NodePort follows that
 * entry past kube-proxy's DNAT to 127.0.0.1:`port`, where nothing listens, and is refused.
 * The rollout tests poll a new NodePort until it answers, then load it with a new connection
 * per request: without this, 2 of 23 runs of the never-ready test under load failed with 2
 * ECONNREFUSED each, every one on a source port refused 5–8 s before (tcpdump, `conntrack -E`).
 */
function forgetRefusedAttempts(port: number): void {
  const args = ['-D', '-p', 'tcp', '--orig-dst', '127.0.0.1', '--orig-port-dst', String(port), '--reply-src', '127.0.0.1'];
  const result = spawnSync('conntrack', args, { encoding: 'utf8', timeout: 10_000 });
  // Exit 1 with "0 flow entries have been deleted" when there was nothing to forget.
  if (result.error || (result.status !== 0 && !/\b0 flow entries/.test(result.stderr))) {
    throw new Error(`conntrack ${args.join(' ')}: ${result.error?.message ?? result.stderr.trim()} (scripts/k8s/node.sh installs conntrack)`);
  }
}

/**
 * A client sending GETs one after another until stopped, or until `maxRequests` or
 * `maxMs` (bounded either way); counts what failed (not 200, or a body not accepted). The
 * NodePort must answer already: the attempts kube-proxy refused before are forgotten first.
 */
export function sendRequests(url: string, accept: (body: string) => boolean, limits = { maxRequests: 20_000, maxMs: 180_000, pauseMs: 5 }) {
  forgetRefusedAttempts(Number(new URL(url).port));
  const stats: LoadStats = { ok: 0, failed: 0, failures: [], bodies: new Set() };
  let running = true;
  const until = Date.now() + limits.maxMs;
  // Each failure carries its time, to line it up with the cluster's events or a packet capture.
  const fail = (reason: string): void => {
    stats.failed++;
    stats.failures.push(`${new Date().toISOString()} ${reason}`);
  };
  const done = (async () => {
    while (running && stats.ok + stats.failed < limits.maxRequests && Date.now() < until) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
        const body = await response.text();
        stats.bodies.add(body);
        if (response.status === 200 && accept(body)) stats.ok++;
        else fail(`${response.status} ${body.slice(0, 80)}`);
      } catch (error) {
        fail(String((error as Error).cause ?? (error as Error).message));
      }
      // The test app closes every connection, so each request is a new one; a short pause keeps
      // the load light beside the pods and the ready-pod sampler on these 2 cores.
      await new Promise((resolve) => setTimeout(resolve, limits.pauseMs));
    }
  })();
  return {
    stats,
    async stop(): Promise<LoadStats> {
      running = false;
      await done;
      return stats;
    },
  };
}

/** Samples the number of ready pods of a service every ~100 ms until stopped (bounded by maxMs). */
export function sampleReadyPods(f: KubeFixture, serviceId: string, maxMs = 180_000) {
  const samples: number[] = [];
  const names = new Set<string>();
  let running = true;
  const until = Date.now() + maxMs;
  const done = (async () => {
    while (running && Date.now() < until) {
      const pods = await f.pods(serviceId);
      for (const p of pods) if (p.metadata?.name) names.add(p.metadata.name);
      samples.push(pods.filter(isReady).length);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    samples,
    names,
    async stop(): Promise<number[]> {
      running = false;
      await done;
      return samples;
    },
  };
}

/** GET url once: the body, or the error's cause. */
export async function getOnce(url: string, timeoutMs = 3000): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { error: String((error as Error).cause ?? (error as Error).message) };
  }
}
