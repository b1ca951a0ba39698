import { DEFAULT_SERVICE_SETTINGS, sameValue, type Environment, type EnvVar, type Project, type Service, type Stage } from '../domain/index.js';
import { databaseCredentialKeys, environmentSettings, stageNameOf } from './environment-apply.js';
import { maskSource } from './present.js';

/**
 * Exporting an environment (`GET /environments/{id}/export`): the store's resources as a file
 * that apply takes back unchanged (docs/environment-files.md#exporting). Defaults are left out;
 * secret values, which never leave the server, are written as `${KEY}`.
 */

export interface ExportedResources {
  services: readonly Service[];
  /** The environment's user-defined stages. */
  stages: readonly Stage[];
  /** The environment's variables (values in clear). */
  variables: readonly EnvVar[];
}

/** A secret's value as the CLI's `${KEY}` substitution, its own key naming it. */
function unmasked(variables: readonly EnvVar[]) {
  return variables.map((v) => (v.secret ? { key: v.key, value: `\${${v.key}}`, secret: true } : { key: v.key, value: v.value }));
}

function exportedService(s: Service, stages: readonly Stage[]) {
  const generated = s.type === 'database' ? databaseCredentialKeys(s.source) : new Set<string>();
  const env = unmasked(s.settings.env.filter((v) => !generated.has(v.key)));
  const full: Record<string, unknown> = { ...s.settings, env };
  const defaults = DEFAULT_SERVICE_SETTINGS as unknown as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(full).filter(([k, v]) => v !== undefined && !sameValue(v, defaults[k])));
  const stage = stageNameOf(s, stages);
  return {
    name: s.name,
    type: s.type,
    source: maskSource(s.source),
    ...(Object.keys(kept).length > 0 ? { settings: kept } : {}),
    ...(stage !== null ? { stage } : {}),
    ...(s.skipEnvironmentActions ? { skipEnvironmentActions: true } : {}),
  };
}

export function exportEnvironmentFile(project: Project, environment: Environment, resources: ExportedResources) {
  const settings = environmentSettings(environment.settings);
  const stages = [...resources.stages].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name)).map((s) => ({ name: s.name, order: s.order }));
  return {
    apiVersion: 'slipway/v1' as const,
    kind: 'Environment' as const,
    project: project.name,
    name: environment.name,
    runtime: environment.runtime,
    ...(sameValue(settings, environmentSettings(undefined)) ? {} : { settings }),
    ...(stages.length > 0 ? { stages } : {}),
    ...(resources.variables.length > 0 ? { variables: unmasked(resources.variables) } : {}),
    services: resources.services.filter((s) => s.status !== 'DELETED').map((s) => exportedService(s, resources.stages)),
  };
}
