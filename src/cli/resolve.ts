import type { EnvironmentViewT, ProjectViewT, ServiceViewT } from '../api/schemas/views.js';
import { ApiError, type ApiClient } from './api-client.js';
import { type Address, type AddressKind } from './address.js';
import { CliError, EXIT } from './cli-error.js';

/** Turns an address into the resource's id by reading the API (names are unique in their parent). */

export interface Resolved {
  kind: AddressKind;
  id: string;
  /** `project/env/service`, for messages. */
  path: string;
  /** The environment's id (environments and services). */
  environmentId?: string;
}

function single<T extends { name: string }>(items: readonly T[], name: string, what: string, parent: string): T {
  const found = items.filter((i) => i.name === name);
  if (found.length === 0) throw new CliError(`no ${what} named ${name}${parent ? ` in ${parent}` : ''}`, EXIT.NOT_FOUND, 'NOT_FOUND');
  if (found.length > 1) throw new CliError(`${found.length} ${what}s are named ${name}${parent ? ` in ${parent}` : ''}: name it by id`, EXIT.USAGE, 'AMBIGUOUS');
  return found[0]!;
}

async function project(api: ApiClient, name: string): Promise<ProjectViewT> {
  return single((await api.get<{ items: ProjectViewT[] }>('/projects')).items, name, 'project', '');
}

async function environment(api: ApiClient, projectName: string, envName: string): Promise<EnvironmentViewT> {
  const p = await project(api, projectName);
  return single((await api.get<{ items: EnvironmentViewT[] }>(`/projects/${p.id}/environments`)).items, envName, 'environment', projectName);
}

async function findById(api: ApiClient, id: string, kinds: readonly AddressKind[]): Promise<Resolved> {
  const paths: Record<AddressKind, string> = { service: '/services/', environment: '/environments/', project: '/projects/' };
  for (const kind of (['service', 'environment', 'project'] as const).filter((k) => kinds.includes(k))) {
    try {
      const found = await api.get<{ id: string; name: string; environmentId?: string }>(`${paths[kind]}${id}`);
      return {
        kind,
        id: found.id,
        path: found.name,
        ...(kind === 'environment' ? { environmentId: found.id } : {}),
        ...(kind === 'service' && found.environmentId ? { environmentId: found.environmentId } : {}),
      };
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
    }
  }
  throw new CliError(`no ${kinds.join(' or ')} has the id ${id}`, EXIT.NOT_FOUND, 'NOT_FOUND');
}

export async function resolveAddress(api: ApiClient, address: Address, kinds: readonly AddressKind[]): Promise<Resolved> {
  switch (address.kind) {
    case 'id':
      return findById(api, address.id, kinds);
    case 'project': {
      const p = await project(api, address.project);
      return { kind: 'project', id: p.id, path: p.name };
    }
    case 'environment': {
      const e = await environment(api, address.project, address.environment);
      return { kind: 'environment', id: e.id, path: `${address.project}/${e.name}`, environmentId: e.id };
    }
    case 'service': {
      const e = await environment(api, address.project, address.environment);
      const services = (await api.get<{ items: ServiceViewT[] }>(`/environments/${e.id}/services`)).items.filter((s) => s.state !== 'DELETED');
      const s = single(services, address.service, 'service', `${address.project}/${address.environment}`);
      return { kind: 'service', id: s.id, path: `${address.project}/${address.environment}/${s.name}`, environmentId: e.id };
    }
  }
}
