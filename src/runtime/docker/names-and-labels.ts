import type { PortSetting, Probe } from '../../domain/model.js';
import type { EnvironmentTarget, ServiceTarget } from '../runtime.js';

/**
 * How Slipway names and labels what it creates on a Docker Engine. Labels are the runtime's
 * memory: a restarted control plane finds its containers, their probes and their public ports
 * from them alone.
 */

export const LABEL = {
  managed: 'slipway.managed',
  project: 'slipway.project',
  environment: 'slipway.environment',
  service: 'slipway.service',
  serviceName: 'slipway.service-name',
  instance: 'slipway.instance',
  specHash: 'slipway.spec-hash',
  version: 'slipway.version',
  /** JSON of the service's ports (PortSetting[]), for the edge routes and probes. */
  ports: 'slipway.ports',
  /** JSON of { readiness?, liveness? } probes. */
  healthchecks: 'slipway.healthchecks',
  startTimeout: 'slipway.start-timeout-seconds',
  /** The instance's edge slot: a network alias the edge dials (edgeSlot below). */
  edgeSlot: 'slipway.edge-slot',
} as const;

/**
 * A stable name the edge dials for instance `index` of a service (docs/edge.md#routing-and-draining):
 * two per index, `a` and `b`, so that a new instance takes the one its predecessor does not hold
 * and the edge's list of upstreams stays the same through a rolling redeploy.
 */
export function edgeSlot(serviceId: string, index: number, generation: 'a' | 'b'): string {
  return `sw-${serviceId}-${index}-${generation}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/** Every slot of a service of `instances` instances. */
export function edgeSlots(serviceId: string, instances: number): string[] {
  return Array.from({ length: Math.max(0, instances) }, (_, index) => [edgeSlot(serviceId, index, 'a'), edgeSlot(serviceId, index, 'b')]).flat();
}

export function networkName(environmentId: string): string {
  return `slipway-${environmentId}`;
}

/** Storage entry n of a service; shared by its instances and kept by stop. */
export function volumeName(serviceId: string, index: number): string {
  return `slipway-${serviceId}-${index}`;
}

/** Readable and unique: project-environment-service-instance plus a random suffix (old and new instances coexist). */
export function containerName(target: ServiceTarget, index: number): string {
  const suffix = Math.random().toString(36).slice(2, 8);
  const raw = `slipway-${target.projectName}-${target.environmentName}-${target.serviceName}-${index}-${suffix}`;
  return raw.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

export function environmentLabels(env: EnvironmentTarget): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.project]: env.projectId,
    [LABEL.environment]: env.environmentId,
  };
}

export function serviceLabels(target: ServiceTarget): Record<string, string> {
  return { ...environmentLabels(target), [LABEL.service]: target.serviceId, [LABEL.serviceName]: target.serviceName };
}

/** A Docker `filters` object selecting a service's containers (or volumes). */
export function serviceFilter(serviceId: string): { label: string[] } {
  return { label: [`${LABEL.managed}=true`, `${LABEL.service}=${serviceId}`] };
}

export const managedFilter = { label: [`${LABEL.managed}=true`] };

/** What the labels of one container say about how to run and probe it. */
export interface InstanceLabels {
  serviceId: string;
  environmentId: string;
  index: number;
  specHash: string | null;
  version: string | null;
  ports: PortSetting[];
  healthchecks: { readiness?: Probe; liveness?: Probe };
  startTimeoutSeconds: number;
  /** Absent on instances created before edge slots existed: the edge dials their address. */
  edgeSlot?: string;
}

export function readInstanceLabels(labels: Record<string, string> | undefined): InstanceLabels | null {
  const l = labels ?? {};
  const serviceId = l[LABEL.service];
  if (l[LABEL.managed] !== 'true' || serviceId === undefined) return null;
  return {
    serviceId,
    environmentId: l[LABEL.environment] ?? '',
    index: Number.parseInt(l[LABEL.instance] ?? '0', 10) || 0,
    specHash: l[LABEL.specHash] ?? null,
    version: l[LABEL.version] ?? null,
    ports: parseJson<PortSetting[]>(l[LABEL.ports], []),
    healthchecks: parseJson<{ readiness?: Probe; liveness?: Probe }>(l[LABEL.healthchecks], {}),
    startTimeoutSeconds: Number.parseInt(l[LABEL.startTimeout] ?? '300', 10) || 300,
    ...(l[LABEL.edgeSlot] ? { edgeSlot: l[LABEL.edgeSlot] } : {}),
  };
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
