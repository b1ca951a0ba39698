import type { Deployment, Store } from '../store/store.js';
import { presentDeployment } from './present.js';

/** A service a deployment names; `name` is null only for a service deleted before the request ever started. */
export interface NamedService {
  serviceId: string;
  name: string | null;
}

/** The services a request names (service-level, Deploy latest's choice, a rollback's versions). */
function requestedIds(d: Deployment): string[] {
  return [...new Set([...d.request.serviceIds, ...Object.keys(d.request.versions)])];
}

/**
 * Each deployment's services by name (docs/api.md#deployments-name-their-services): those it recorded once it started,
 * with the names they had then (a service deleted since keeps its name), else — still waiting —
 * those it names, by their current names.
 */
export async function serviceNamesOf(store: Pick<Store, 'deploymentServiceNames' | 'listServices'>, deployments: readonly Deployment[]): Promise<Map<string, NamedService[]>> {
  const recorded = await store.deploymentServiceNames(deployments.map((d) => d.id));
  const waiting = deployments.filter((d) => !recorded.has(d.id) && requestedIds(d).length > 0);
  const current = new Map<string, string>();
  for (const environmentId of new Set(waiting.map((d) => d.environmentId))) {
    for (const s of await store.listServices(environmentId)) current.set(s.id, s.name);
  }
  const named = new Map<string, NamedService[]>();
  for (const d of deployments) named.set(d.id, recorded.get(d.id) ?? requestedIds(d).map((id) => ({ serviceId: id, name: current.get(id) ?? null })));
  return named;
}

/** Deployments as the API shows them, each with its services by name. */
export async function presentNamedDeployments(store: Pick<Store, 'deploymentServiceNames' | 'listServices'>, deployments: readonly Deployment[]) {
  const named = await serviceNamesOf(store, deployments);
  return deployments.map((d) => ({ ...presentDeployment(d), services: named.get(d.id) ?? [] }));
}
