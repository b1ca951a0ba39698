import { hash } from 'node:crypto';
import type { EnvVar, Service, ServiceSettings, ServiceSource } from './model.js';
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
  service: Pick<Service, 'source' | 'settings' | 'deployedVersion' | 'targetVersion' | 'deployedSpec'> & Partial<Pick<Service, 'deployedConfigDigest'>>,
  variables: readonly EnvVar[] = [],
): PendingChanges {
  return pendingChangesByDigest(service, variables) ?? pendingChangesAgainstSpec(service, variables);
}

/**
 * What the config digest alone tells, without the deployed spec (sealed in the store): nothing
 * pending when the service's configuration now has the digest its deploy recorded and no other
 * version is pinned; undefined when only a comparison with the deployed spec can tell.
 */
export function pendingChangesByDigest(
  service: Pick<Service, 'source' | 'settings' | 'deployedVersion' | 'targetVersion'> & Partial<Pick<Service, 'deployedConfigDigest'>>,
  variables: readonly EnvVar[] = [],
): PendingChanges | undefined {
  const digest = service.deployedConfigDigest;
  if (!pinnedElsewhere(service) && digest != null && digest === configDigest({ source: service.source, settings: service.settings, variables })) {
    return { pendingChanges: false, pendingFields: [] };
  }
  return undefined;
}

function pinnedElsewhere(service: Pick<Service, 'deployedVersion' | 'targetVersion'>): boolean {
  return service.deployedVersion !== null && service.targetVersion !== null && service.targetVersion !== service.deployedVersion;
}

/** Pending changes named by comparing the service with the spec it was deployed with. */
function pendingChangesAgainstSpec(
  service: Pick<Service, 'source' | 'settings' | 'deployedVersion' | 'targetVersion' | 'deployedSpec'>,
  variables: readonly EnvVar[],
): PendingChanges {
  const fields: string[] = [];
  const deployed = service.deployedSpec;
  if (pinnedElsewhere(service) || (deployed && !same(service.source, deployed.source))) fields.push('source');
  if (deployed) {
    const keys = new Set([...Object.keys(service.settings), ...Object.keys(deployed.settings)]);
    for (const key of [...keys].sort()) {
      if (NOT_APPLIED_BY_DEPLOY.has(key)) continue;
      if (!same(comparable(service.settings, key), comparable(deployed.settings, key))) fields.push(key);
    }
    if (!same(sortedByKey(variables), sortedByKey(deployed.variables ?? []))) fields.push('variables');
  }
  return { pendingChanges: fields.length > 0, pendingFields: fields };
}

/**
 * The digest of what pendingChanges compares: the source, the settings a deploy applies and the
 * shared variables reaching the service. A deploy records it beside the spec; a read of the
 * pending changes compares it with the digest of the service as it is now, and reads the
 * deployed spec (sealed in the store) only when they differ, to name what changed. Plain JSON,
 * in the order the store keeps them, not canonical JSON (a few times slower): the same
 * configuration in another order (env vars moved) only misses this shortcut, and the
 * comparison setting by setting then finds nothing pending.
 */
export function configDigest(config: { source: ServiceSource; settings: ServiceSettings; variables?: readonly EnvVar[] | undefined }): string {
  const applied: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config.settings)) if (!NOT_APPLIED_BY_DEPLOY.has(key)) applied[key] = value;
  return hash('sha256', JSON.stringify([config.source, applied, config.variables ?? []])).slice(0, 32);
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

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
