import type { DeployedSpec, EnvVar, Service, ServiceSettings } from './model.js';
import { canonicalJson } from './spec-hash.js';

/** Whether a Redeploy would apply something, and what (docs/actions.md#pending-changes). */
export interface PendingChanges {
  pendingChanges: boolean;
  /** `source`, and the names of the settings that differ from what was deployed. */
  pendingFields: string[];
}

/** Settings that act at once rather than at a deploy: autoDeploy decides what the next push does. */
const NOT_APPLIED_BY_DEPLOY: ReadonlySet<string> = new Set(['autoDeploy']);

/**
 * The changes a Redeploy would apply: `source` when the source object differs from the one
 * deployed (image name/tag; git url, branch, rootPath, dockerfilePath; a job's or database's
 * source fields) or the pinned version is not the deployed one, each setting whose value
 * differs, and `variables` when the shared variables that reach it now (`variables`, from
 * variablesReaching) are not the ones its last deploy got. A never-deployed service has none. A
 * service deployed before Slipway kept what it deployed (no deployedSpec) is compared on its
 * version only.
 */
export function pendingChanges(
  service: Pick<Service, 'source' | 'settings' | 'deployedVersion' | 'targetVersion' | 'deployedSpec'>,
  variables: readonly EnvVar[] = [],
): PendingChanges {
  const fields: string[] = [];
  const deployed = service.deployedSpec;
  const pinnedElsewhere =
    service.deployedVersion !== null && service.targetVersion !== null && service.targetVersion !== service.deployedVersion;
  if (pinnedElsewhere || (deployed && canonicalJson(service.source) !== deployedJson(deployed, 'source', () => canonicalJson(deployed.source)))) fields.push('source');
  if (deployed) {
    // Nearly always nothing changed, and both come parsed from what the store wrote, keys in
    // the same order: one comparison of the whole settings then tells, before one per setting.
    if (JSON.stringify(service.settings) !== deployedJson(deployed, 'settings', () => JSON.stringify(deployed.settings))) {
      const keys = new Set([...Object.keys(service.settings), ...Object.keys(deployed.settings)]);
      for (const key of [...keys].sort()) {
        if (NOT_APPLIED_BY_DEPLOY.has(key)) continue;
        if (canonicalJson(comparable(service.settings, key)) !== canonicalJson(comparable(deployed.settings, key))) fields.push(key);
      }
    }
    if (canonicalJson(sortedByKey(variables)) !== deployedJson(deployed, 'variables', () => canonicalJson(sortedByKey(deployed.variables ?? [])))) fields.push('variables');
  }
  return { pendingChanges: fields.length > 0, pendingFields: fields };
}

/** A setting's value for comparison: env vars in key order, since their order changes nothing. */
function comparable(settings: ServiceSettings, key: string): unknown {
  const value = (settings as unknown as Record<string, unknown>)[key];
  if (key === 'env' && Array.isArray(value)) return sortedByKey(value as EnvVar[]);
  return value;
}

function sortedByKey(env: readonly EnvVar[]): EnvVar[] {
  return [...env].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The deployed side's JSON of each field compared, made once per frozen spec (the store shares those: it never changes). */
const deployedFields = new WeakMap<DeployedSpec, Map<string, string>>();

function deployedJson(spec: DeployedSpec, field: string, json: () => string): string {
  if (!Object.isFrozen(spec)) return json();
  let fields = deployedFields.get(spec);
  if (!fields) deployedFields.set(spec, (fields = new Map()));
  let made = fields.get(field);
  if (made === undefined) fields.set(field, (made = json()));
  return made;
}
