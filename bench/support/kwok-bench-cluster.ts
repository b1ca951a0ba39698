import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig, type V1Namespace, type V1Node } from '@kubernetes/client-node';
import { Cluster } from '../../src/runtime/kubernetes/cluster.js';

/**
 * The benchmark's share of the test control plane (scripts/k8s/up.sh): its own KWOK nodes and
 * namespaces, all carrying BENCH_LABEL so they are found again and removed, those a broken
 * earlier run left too.
 *
 * Placement: the bench nodes are tainted, so nobody else's pods land on them (removing a node
 * would take their pods along), and each bench namespace carries the PodNodeSelector /
 * PodTolerationRestriction annotations (the API server enables both admission plugins): every
 * pod created there selects a bench node and tolerates its taint. Neither Slipway nor the
 * direct script knows; the real node (tainted too) and the test nodes stay out of it.
 */

export const BENCH_LABEL = 'slipway.dev/bench';
const BENCH_VALUE = 'kubernetes';
const NODE_LABEL = 'slipway.dev/bench-node';
const TAINT = { key: NODE_LABEL, value: 'true', effect: 'NoSchedule' };

const PLACEMENT = {
  'scheduler.alpha.kubernetes.io/node-selector': `${NODE_LABEL}=true`,
  'scheduler.alpha.kubernetes.io/defaultTolerations': JSON.stringify([{ key: NODE_LABEL, operator: 'Exists', effect: 'NoSchedule' }]),
};

/** SLIPWAY_TEST_KUBECONFIG, else the admin kubeconfig in up.sh's run directory. */
export function benchKubeconfig(): string {
  const path = process.env.SLIPWAY_TEST_KUBECONFIG || join(process.env.SLIPWAY_K8S_RUN || '/dev/shm/slipway-k8s', 'admin.kubeconfig');
  if (!existsSync(path)) throw new Error(`no kubeconfig at ${path}: start the test control plane with \`bash scripts/services/up.sh\` (or set SLIPWAY_TEST_KUBECONFIG)`);
  return path;
}

export function benchCluster(path: string): Cluster {
  const config = new KubeConfig();
  config.loadFromFile(path);
  return new Cluster(config);
}

const selector = `${BENCH_LABEL}=${BENCH_VALUE}`;

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** `count` KWOK nodes (slipway-bench-0…), server-side applied; resolves when all are Ready. */
export async function createBenchNodes(cluster: Cluster, count: number, timeoutMs: number): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `slipway-bench-${i}`);
  for (let i = 0; i < names.length; i += 20) {
    await Promise.all(
      names.slice(i, i + 20).map((name) =>
        cluster.apply<V1Node>({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name,
            labels: { [BENCH_LABEL]: BENCH_VALUE, [NODE_LABEL]: 'true', type: 'kwok', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
            // KWOK takes the nodes annotated so (--manage-nodes-with-annotation-selector in up.sh).
            annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          },
          spec: { taints: [TAINT] },
        }),
      ),
    );
  }
  await until(`${count} bench nodes to be Ready`, timeoutMs, async () => {
    const { items } = await cluster.list<V1Node>('v1', 'Node', undefined, `${selector},${NODE_LABEL}=true`);
    return items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length >= count;
  });
}

/** A namespace whose pods all go to the bench nodes. */
export async function createBenchNamespace(cluster: Cluster, name: string, labels: Record<string, string> = {}): Promise<void> {
  await cluster.apply<V1Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, [BENCH_LABEL]: BENCH_VALUE }, annotations: PLACEMENT } });
}

/** Deletes bench namespaces (those named, or all) and waits until they are gone; false on timeout. */
export async function removeBenchNamespaces(cluster: Cluster, timeoutMs: number, only?: (name: string) => boolean): Promise<boolean> {
  const listed = async (): Promise<string[]> =>
    (await cluster.list<V1Namespace>('v1', 'Namespace', undefined, selector)).items.map((n) => n.metadata?.name ?? '').filter((n) => n && (!only || only(n)));
  const names = await listed();
  for (let i = 0; i < names.length; i += 20) {
    await Promise.all(names.slice(i, i + 20).map((name) => cluster.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
  }
  try {
    await until('the bench namespaces to be deleted', timeoutMs, async () => (await listed()).length === 0);
    return true;
  } catch {
    return false;
  }
}

/** Deletes every bench node (pods still bound to one are then removed by the pod garbage collector). */
export async function removeBenchNodes(cluster: Cluster): Promise<number> {
  const { items } = await cluster.list<V1Node>('v1', 'Node', undefined, selector);
  const names = items.map((n) => n.metadata?.name ?? '').filter(Boolean);
  for (let i = 0; i < names.length; i += 20) {
    await Promise.all(names.slice(i, i + 20).map((name) => cluster.delete({ apiVersion: 'v1', kind: 'Node', metadata: { name } })));
  }
  return names.length;
}
