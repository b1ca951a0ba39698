import type { EnvVar, TypedSource } from './model.js';

/**
 * Variables shared by scope (docs/teams.md#variables): a project's reach every service of its
 * environments, an environment's every service of that environment. A service's env is, from
 * the weakest to the strongest: the databases' connections, the project's variables, the
 * environment's, then its own. Databases take no shared variable: their env is the
 * credentials their image is driven by, and a shared key must not change a database password.
 */

export type VariableScope = 'project' | 'environment' | 'service' | 'database';

/** The variables of the scopes above a service, as stored. */
export interface ScopedVariables {
  project: readonly EnvVar[];
  environment: readonly EnvVar[];
}

export const NO_VARIABLES: ScopedVariables = { project: [], environment: [] };

/** One entry of a service's effective env, with the scope it comes from. */
export interface EffectiveVariable extends EnvVar {
  scope: VariableScope;
}

/** Whether shared variables reach a service of this type at all. */
export function takesVariables(service: Pick<TypedSource, 'type'>): boolean {
  return service.type !== 'database';
}

/**
 * The shared variables that reach this service: the environment's over the project's, less the
 * keys the service sets itself. In key order, so that two equal sets compare equal.
 */
export function variablesReaching(service: Pick<TypedSource, 'type'> & { settings: { env: readonly EnvVar[] } }, scoped: ScopedVariables): EnvVar[] {
  if (!takesVariables(service)) return [];
  const own = new Set(service.settings.env.map((v) => v.key));
  const merged = new Map<string, EnvVar>();
  for (const v of [...scoped.project, ...scoped.environment]) merged.set(v.key, { key: v.key, value: v.value, secret: v.secret });
  return [...merged.values()].filter((v) => !own.has(v.key)).sort(byKey);
}

/**
 * A service's env as it runs, each entry with its scope: database connections (secret: they hold
 * credentials), then project, environment and the service's own variables, each overriding the
 * ones before it. In key order.
 */
export function effectiveEnv(
  service: Pick<TypedSource, 'type'> & { settings: { env: readonly EnvVar[] } },
  scoped: ScopedVariables,
  connections: Readonly<Record<string, string>> = {},
): EffectiveVariable[] {
  const merged = new Map<string, EffectiveVariable>();
  if (takesVariables(service)) {
    for (const [key, value] of Object.entries(connections)) merged.set(key, { key, value, secret: true, scope: 'database' });
    for (const v of scoped.project) merged.set(v.key, { key: v.key, value: v.value, secret: v.secret, scope: 'project' });
    for (const v of scoped.environment) merged.set(v.key, { key: v.key, value: v.value, secret: v.secret, scope: 'environment' });
  }
  for (const v of service.settings.env) merged.set(v.key, { key: v.key, value: v.value, secret: v.secret, scope: 'service' });
  return [...merged.values()].sort(byKey);
}

/** The secret values of shared variables, to keep out of logs. */
export function secretVariableValues(scoped: ScopedVariables): string[] {
  return [...scoped.project, ...scoped.environment].filter((v) => v.secret).map((v) => v.value);
}

function byKey(a: EnvVar, b: EnvVar): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
