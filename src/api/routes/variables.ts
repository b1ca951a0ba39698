import type { Api, ApiDeps } from '../context.js';
import { requireEnvironment, requireProject, requireService } from '../context.js';
import { effectiveEnv, injectedConnections, type EnvVar } from '../../domain/index.js';
import { validationFailed, type FieldError } from '../errors.js';
import { maskEnv } from '../present.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { EffectiveEnvView, VariablesBody, VariablesView } from '../schemas/variables.js';
import { resolveSecretValues } from '../service-input.js';
import type { VariableOwner } from '../../store/store.js';

/**
 * Variables shared by a project or an environment, and a service's effective env
 * (docs/teams.md#variables). Changing them deploys nothing: the services they reach show
 * `pendingChanges` until their next deploy.
 */
export function variableRoutes(app: Api, { store }: ApiDeps): void {
  for (const scope of ['projects', 'environments'] as const) {
    const owner = async (id: string): Promise<VariableOwner> =>
      scope === 'projects' ? { projectId: (await requireProject(store, id)).id } : { environmentId: (await requireEnvironment(store, id)).id };
    const what = scope === 'projects' ? 'project (every service of its environments)' : 'environment (every service of it)';

    app.get(
      `/${scope}/:id/variables`,
      {
        config: { access: 'viewer' },
        schema: { tags: ['variables'], summary: `Variables of the ${what}; secret values masked`, params: IdParams, response: { 200: VariablesView, ...errorResponses() } },
      },
      async (request) => ({ items: maskEnv(await store.listVariables(await owner(request.params.id))) }),
    );

    app.put(
      `/${scope}/:id/variables`,
      {
        config: { access: 'admin' },
        schema: {
          tags: ['variables'],
          summary: `Replace the variables of the ${what}; the services they reach get them at their next deploy`,
          params: IdParams,
          body: VariablesBody,
          response: { 200: VariablesView, ...errorResponses(409) },
        },
      },
      async (request) => {
        const who = await owner(request.params.id);
        const variables = checkedVariables(request.body, await store.listVariables(who));
        await store.replaceVariables(who, variables);
        return { items: maskEnv(variables) };
      },
    );
  }

  app.get(
    '/services/:id/env',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['variables'],
        summary: "The service's env as its next deploy runs it: each value with its scope (project, environment, service, database); secrets masked",
        params: IdParams,
        response: { 200: EffectiveEnvView, ...errorResponses() },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      const environment = await requireEnvironment(store, service.environmentId);
      const services = await store.listServices(environment.id);
      // The host is the runtime's; only the values matter here, and every connection is secret (masked).
      const connections = injectedConnections(services, (db) => db.name);
      const env = effectiveEnv(service, await store.scopedVariables(environment), connections);
      return { items: env.map((v) => ({ ...maskEnv([v])[0]!, scope: v.scope })) };
    },
  );
}

/** Keys unique, secrets long enough, the mask resolved to the stored value (as for a service's env). */
function checkedVariables(body: ReadonlyArray<{ key: string; value: string; secret?: boolean }>, stored: readonly EnvVar[]): EnvVar[] {
  const problems: FieldError[] = [];
  const seen = new Set<string>();
  body.forEach((v, i) => {
    if (seen.has(v.key)) problems.push({ field: `body/${i}/key`, message: `duplicate key ${v.key}` });
    seen.add(v.key);
  });
  const variables = resolveSecretValues(
    body.map((v) => ({ key: v.key, value: v.value, secret: v.secret ?? false })),
    stored,
    (i) => `body/${i}/value`,
    problems,
  );
  if (problems.length > 0) throw validationFailed(problems);
  return variables;
}
