import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/index.js';
import { changesSomething } from './changing-methods.js';
import type { Store, Token } from '../store/store.js';
import { notFound } from './errors.js';

/**
 * Tokens limited to projects (docs/teams.md#project-limited-tokens). Every routed request with
 * an `:id` is traced to the project it touches; a limited token outside that project gets the
 * 404 an unknown id gets, so that another project's existence does not leak. Routes that span
 * projects either filter what they answer (`GET /projects`, `/events`, `/audit`) or refuse a
 * limited token (403: creating projects, tokens, server metrics). A route family this table
 * does not know refuses a limited token too: it fails closed.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The project the request touches, once known (project-access.ts); the audit log records it. */
    projectId: string | null;
  }
}

/** The kind of resource behind `/<family>/:id`, and its project. */
type Resolver = (store: Store, id: string) => Promise<string | undefined>;

const environmentProject: Resolver = async (store, id) => (await store.getEnvironment(id))?.projectId;
const serviceProject: Resolver = async (store, id) => {
  const service = await store.getService(id);
  return service && environmentProject(store, service.environmentId);
};
const deploymentProject: Resolver = async (store, id) => {
  const deployment = await store.getDeployment(id);
  return deployment && environmentProject(store, deployment.environmentId);
};

/** `/<family>/:id…` → the resource's name (for the 404) and how to find its project. */
export const PROJECT_OF: Readonly<Record<string, { what: string; project: Resolver }>> = {
  projects: { what: 'project', project: async (store, id) => (await store.getProject(id))?.id },
  environments: { what: 'environment', project: environmentProject },
  services: { what: 'service', project: serviceProject },
  deployments: { what: 'deployment', project: deploymentProject },
  'deployment-requests': { what: 'deployment request', project: deploymentProject },
  stages: { what: 'stage', project: async (store, id) => {
    const stage = await store.getStage(id);
    return stage && environmentProject(store, stage.environmentId);
  } },
  'job-runs': { what: 'job run', project: async (store, id) => {
    const run = await store.getJobRun(id);
    return run && environmentProject(store, run.environmentId);
  } },
  notifications: { what: 'notification', project: async (store, id) => (await store.getNotification(id))?.projectId },
};

/** Routes without an id that a limited token may call: each answers only what the token reaches. */
const SPANNING_ROUTES = new Set(['GET /projects', 'GET /events', 'GET /whoami', 'GET /audit', 'GET /openapi.json']);

/** Whether the token may see this project. */
export function reaches(token: Token | null, projectId: string): boolean {
  return !token?.projects || token.projects.includes(projectId);
}

/** The path of a route below the API prefix: `/api/v1/services/:id` → ['services', ':id']. */
function routeSegments(request: FastifyRequest): string[] {
  const url = request.routeOptions.url ?? '';
  return url.replace(/^\/api\/v1(?=\/)/, '').split('/').filter((s) => s !== '');
}

/** The project of the resource a `/<family>/:id…` route names; null for other routes and unknown ids. */
export async function projectOfRequest(store: Store, request: FastifyRequest): Promise<string | null> {
  const [family, id] = routeSegments(request);
  const params = request.params as { id?: unknown } | undefined;
  const resolver = family ? PROJECT_OF[family] : undefined;
  if (id !== ':id' || !resolver || typeof params?.id !== 'string') return null;
  return (await resolver.project(store, params.id)) ?? null;
}

/** Traces each request to its project; a limited token outside it gets 404. */
export function installProjectAccess(app: FastifyInstance, store: Store): void {
  app.decorateRequest('projectId', null);
  // Before the body is validated: a foreign resource answers 404 whatever the body says.
  app.addHook('preValidation', async (request) => {
    const token = request.token;
    if (!token) return;
    // A token reaching every project is never refused here, and the project is only wanted
    // for the audit log, which records changes: a read skips the look-up.
    if (!token.projects && !changesSomething(request.method)) return;
    const [family, id] = routeSegments(request);
    const params = request.params as { id?: unknown } | undefined;
    const resolver = family ? PROJECT_OF[family] : undefined;
    if (id === ':id' && resolver && typeof params?.id === 'string') {
      request.projectId = (await resolver.project(store, params.id)) ?? null;
      // An unknown id answers 404 in the route itself, as for any token.
      if (request.projectId !== null && !reaches(token, request.projectId)) throw notFound(resolver.what);
      return;
    }
    if (!token.projects) return;
    const route = `${request.method} /${routeSegments(request).join('/')}`;
    if (SPANNING_ROUTES.has(route) || (request.method === 'HEAD' && SPANNING_ROUTES.has(`GET ${route.slice(5)}`))) return;
    throw new DomainError('FORBIDDEN', `a token limited to projects cannot call ${route}`);
  });
}
