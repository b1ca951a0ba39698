import type { V1Container, V1Deployment, V1EnvVar, V1Namespace, V1PodTemplateSpec, V1Probe, V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import type { Probe } from '../../domain/model.js';
import type { EnvironmentTarget, RolloutSpec, ServiceTarget } from '../runtime.js';
import {
  ANNOTATION,
  environmentLabels,
  namespaceName,
  publicServiceName,
  envSecretName,
  selectorLabels,
  serviceLabels,
  volumeClaimName,
  workloadName,
} from './names-and-labels.js';

/**
 * The objects a service becomes, as server-side-apply bodies. Pure: the same target and spec
 * always give the same objects, so applying them again changes nothing (a Redeploy without
 * changes leaves the Deployment's generation where it was).
 */

export type WorkloadKind = 'Deployment' | 'StatefulSet';
export type Workload = V1Deployment | V1StatefulSet;

/** Container databases and services with storage keep their data in PVCs: a StatefulSet. */
export function workloadKind(target: Pick<ServiceTarget, 'serviceType'>, spec: Pick<RolloutSpec, 'storage'>): WorkloadKind {
  return target.serviceType === 'database' || spec.storage.length > 0 ? 'StatefulSet' : 'Deployment';
}

export interface ManifestOptions {
  /** PVCs' storage class; undefined: the cluster's default (or static PVs without a class). */
  storageClassName?: string;
}

export function namespaceManifest(env: EnvironmentTarget): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespaceName(env.environmentId), labels: environmentLabels(env) },
  };
}

function probe(p: Probe | undefined): V1Probe | undefined {
  if (!p) return undefined;
  const timing = {
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
  };
  switch (p.type) {
    case 'http':
      return { httpGet: { path: p.path, port: p.port }, ...timing };
    case 'tcp':
      return { tcpSocket: { port: p.port }, ...timing };
    case 'exec':
      return { exec: { command: p.command }, ...timing };
  }
}

/** The env keys whose values are secrets, present in the env. */
function secretKeys(spec: Pick<RolloutSpec, 'env' | 'secretEnvKeys'>): string[] {
  const secret = new Set(spec.secretEnvKeys ?? []);
  return Object.keys(spec.env)
    .filter((k) => secret.has(k))
    .sort();
}

/**
 * The service's secret env values (its secret variables, the databases' credentials) as a
 * Secret the pod template only references, so no secret value is in the Deployment. Named
 * after the spec hash (as kustomize's secretGenerator names after content): an unchanged spec
 * gives the same Secret, so a Redeploy without changes sends nothing new; a changed one is a
 * new Secret the new pods reference while the previous pods (and an undo) keep theirs. The
 * name tells nothing the spec-hash annotation does not. Null without secret values.
 */
export function envSecretManifest(target: ServiceTarget, spec: Pick<RolloutSpec, 'env' | 'secretEnvKeys' | 'specHash'>): V1Secret | null {
  return envSecretNamed(target, spec, envSecretName(target.serviceId, spec.specHash));
}

/**
 * The container's env: secret values as references to the Secret (when there is one), the
 * others inline (kwok's stages and kubectl read those).
 */
export function containerEnv(spec: Pick<RolloutSpec, 'env' | 'secretEnvKeys'>, envSecret: string | undefined): V1EnvVar[] {
  const secret = new Set(secretKeys(spec));
  return Object.keys(spec.env)
    .sort()
    .map((name) =>
      envSecret !== undefined && secret.has(name)
        ? { name, valueFrom: { secretKeyRef: { name: envSecret, key: name } } }
        : { name, value: spec.env[name] ?? '' },
    );
}

/** A Secret of the spec's secret env values under this name; null without secret values. */
export function envSecretNamed(target: ServiceTarget, spec: Pick<RolloutSpec, 'env' | 'secretEnvKeys'>, name: string): V1Secret | null {
  const keys = secretKeys(spec);
  if (keys.length === 0) return null;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: namespaceName(target.environmentId),
      labels: serviceLabels(target),
      annotations: { [ANNOTATION.serviceName]: target.serviceName },
    },
    type: 'Opaque',
    data: Object.fromEntries(keys.map((k) => [k, Buffer.from(spec.env[k] ?? '', 'utf8').toString('base64')])),
  };
}

/**
 * How long a pod with ports keeps serving after it was told to stop (see container). It covers
 * the endpoint's removal reaching every kube-proxy: on the test node, kube-proxy alone took up
 * to 5 s to program a change while a full test run went on, and a 5 s pause let a Restart's
 * request be refused.
 */
export const DRAIN_SECONDS = 10;

function container(spec: RolloutSpec, envSecret: string | undefined): V1Container {
  const readiness = probe(spec.healthchecks.readiness);
  const liveness = probe(spec.healthchecks.liveness);
  const resources = { cpu: `${spec.cpu}m`, memory: `${spec.memoryMb}Mi` };
  return {
    name: 'main',
    image: spec.image,
    ...(spec.command !== undefined && spec.command.length > 0 ? { args: spec.command } : {}),
    env: containerEnv(spec, envSecret),
    ports: spec.ports.map((p) => ({ containerPort: p.containerPort, protocol: 'TCP' })),
    resources: { requests: resources, limits: resources },
    ...(readiness ? { readinessProbe: readiness } : {}),
    ...(liveness ? { livenessProbe: liveness } : {}),
    volumeMounts: spec.storage.map((s, n) => ({ name: volumeClaimName(n), mountPath: s.mountPath })),
    // A pod being replaced leaves its Service's endpoints while kubelet stops it: without a
    // pause the process exits before every kube-proxy stopped routing to it, and requests in
    // that window are refused. Kubernetes' own sleep action: nothing needed in the image.
    ...(spec.ports.length > 0 ? { lifecycle: { preStop: { sleep: { seconds: DRAIN_SECONDS } } } } : {}),
  };
}

export function podTemplate(target: ServiceTarget, spec: RolloutSpec): V1PodTemplateSpec {
  return {
    metadata: {
      labels: serviceLabels(target),
      // The spec hash on the template: runningSpecHash reads it back, and an unchanged hash
      // means an unchanged template.
      annotations: { [ANNOTATION.specHash]: spec.specHash, [ANNOTATION.version]: spec.version },
    },
    spec: {
      containers: [container(spec, envSecretManifest(target, spec)?.metadata?.name)],
      // No service-link variables: the environment is exactly the service's settings.
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      // The pause, then as long again for the process to stop on SIGTERM.
      terminationGracePeriodSeconds: DRAIN_SECONDS * 2,
    },
  };
}

function metadata(target: ServiceTarget, name: string): V1Deployment['metadata'] {
  return {
    name,
    namespace: namespaceName(target.environmentId),
    labels: serviceLabels(target),
    annotations: { [ANNOTATION.serviceName]: target.serviceName },
  };
}

export function deploymentManifest(target: ServiceTarget, spec: RolloutSpec): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(target, workloadName(target.serviceId)),
    spec: {
      replicas: spec.instances,
      selector: { matchLabels: selectorLabels(target.serviceId) },
      // One extra instance at a time, never fewer ready than wanted (docs/actions.md#rolling-replacement).
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      progressDeadlineSeconds: Math.max(1, spec.startTimeoutSeconds),
      revisionHistoryLimit: 5,
      template: podTemplate(target, spec),
    },
  };
}

export function statefulSetManifest(target: ServiceTarget, spec: RolloutSpec, options: ManifestOptions = {}): V1StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(target, workloadName(target.serviceId)),
    spec: {
      replicas: spec.instances,
      serviceName: workloadName(target.serviceId),
      selector: { matchLabels: selectorLabels(target.serviceId) },
      // Ordered replacement: a pod lets go of its volume before its successor mounts it (stop-first).
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      podManagementPolicy: 'OrderedReady',
      revisionHistoryLimit: 5,
      // PVCs outlive the StatefulSet and its scale-downs: Stop keeps the data, Delete decides.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: podTemplate(target, spec),
      volumeClaimTemplates: spec.storage.map((s, n) => ({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: volumeClaimName(n), labels: serviceLabels(target) },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: `${s.sizeGb}Gi` } },
          ...(options.storageClassName !== undefined ? { storageClassName: options.storageClassName } : {}),
        },
      })),
    },
  };
}

/**
 * In-cluster name of the service: a ClusterIP Service on every port (headless for a
 * StatefulSet, which needs one for its pods' names). Null for a Deployment without ports.
 */
export function serviceManifest(target: ServiceTarget, spec: RolloutSpec, kind: WorkloadKind): V1Service | null {
  if (kind === 'Deployment' && spec.ports.length === 0) return null;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(target, workloadName(target.serviceId)),
    spec: {
      ...(kind === 'StatefulSet' ? { clusterIP: 'None' } : { type: 'ClusterIP' }),
      selector: selectorLabels(target.serviceId),
      ports: spec.ports.map((p) => ({ name: `p${p.containerPort}`, port: p.containerPort, targetPort: p.containerPort, protocol: 'TCP' })),
    },
  };
}

/** The Service type of public tcp ports (SLIPWAY_K8S_TCP_SERVICE_TYPE). */
export type TcpServiceType = 'NodePort' | 'LoadBalancer';

/**
 * Public ports: a Service with only those, so private ports stay inside the cluster. It is a
 * NodePort Service, or a LoadBalancer when `tcpType` says so and a public port is tcp (http
 * ports alone never ask the cloud for a load balancer: an Ingress or the NodePort serves them).
 * Null when the service has no public port.
 */
export function publicServiceManifest(target: ServiceTarget, spec: RolloutSpec, tcpType: TcpServiceType = 'NodePort'): V1Service | null {
  const ports = spec.ports.filter((p) => p.public);
  if (ports.length === 0) return null;
  const base = metadata(target, publicServiceName(target.serviceId));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...base,
      annotations: {
        ...base?.annotations,
        [ANNOTATION.publicPorts]: JSON.stringify(Object.fromEntries(ports.map((p) => [String(p.containerPort), p.protocol]))),
      },
    },
    spec: {
      type: tcpType === 'LoadBalancer' && ports.some((p) => p.protocol === 'tcp') ? 'LoadBalancer' : 'NodePort',
      selector: selectorLabels(target.serviceId),
      ports: ports.map((p) => ({ name: `p${p.containerPort}`, port: p.containerPort, targetPort: p.containerPort, protocol: 'TCP' })),
    },
  };
}

/**
 * Where a LoadBalancer Service is reached once the cluster assigned it an address (its
 * status.loadBalancer.ingress: an IP, or a host name on some clouds); undefined before that,
 * and for any other type. Ready for a URL (an IPv6 address in brackets).
 */
export function loadBalancerAddress(service: V1Service): string | undefined {
  if (service.spec?.type !== 'LoadBalancer') return undefined;
  const first = service.status?.loadBalancer?.ingress?.find((i) => i.ip || i.hostname);
  // An IPv6 address goes in brackets in a URL.
  if (first?.ip) return first.ip.includes(':') ? `[${first.ip}]` : first.ip;
  return first?.hostname || undefined;
}
