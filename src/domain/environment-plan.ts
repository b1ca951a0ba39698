import type { ServiceType } from './model.js';

/**
 * Environments as code: what applying an environment file changes (pure). The caller gives the
 * current resources and the file's, both normalised the same way (defaults filled in, secrets
 * resolved); this says, resource by resource, create, update (which fields), delete or
 * unchanged. Applying the same file twice gives only `unchanged` the second time.
 */

export type PlanOp = 'create' | 'update' | 'delete' | 'unchanged';
export type PlanKind = 'project' | 'environment' | 'service' | 'variable';

export interface PlanChange {
  op: PlanOp;
  kind: PlanKind;
  name: string;
  /** update: the fields that differ, `source.<key>`, `settings.<key>`. */
  fields?: string[];
}

export interface ServiceShape {
  name: string;
  type: ServiceType;
  source: object;
  settings: object;
}

export interface EnvironmentPlanInput {
  project: { name: string; exists: boolean };
  environment: { name: string; current: object | null; desired: object };
  services: { current: readonly ServiceShape[]; desired: readonly ServiceShape[] };
  /** Services missing from the file are deleted (else kept, shown unchanged). */
  prune: boolean;
}

export interface PlanProblem {
  /** Index of the service in the file. */
  index: number;
  field: 'name' | 'type';
  message: string;
}

export interface Plan {
  changes: PlanChange[];
  /** What makes the file impossible to apply: nothing is applied when there is one. */
  problems: PlanProblem[];
}

/** Deep equality of JSON values; a missing key equals an undefined one; key order does not matter. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  return [...keys].every((k) => sameValue(ra[k], rb[k]));
}

/** The keys of `current` and `desired` whose values differ, each prefixed (`settings.instances`). */
export function changedFields(current: object, desired: object, prefix: string): string[] {
  const rc = current as Record<string, unknown>;
  const rd = desired as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(rc), ...Object.keys(rd)])].sort();
  return keys.filter((k) => !sameValue(rc[k], rd[k])).map((k) => `${prefix}${k}`);
}

export function serviceChangedFields(current: ServiceShape, desired: ServiceShape): string[] {
  return [...changedFields(current.source, desired.source, 'source.'), ...changedFields(current.settings, desired.settings, 'settings.')];
}

export function planEnvironment(input: EnvironmentPlanInput): Plan {
  const changes: PlanChange[] = [];
  const problems: PlanProblem[] = [];
  changes.push({ op: input.project.exists ? 'unchanged' : 'create', kind: 'project', name: input.project.name });

  const env = input.environment;
  if (env.current === null) changes.push({ op: 'create', kind: 'environment', name: env.name });
  else {
    const fields = changedFields(env.current, env.desired, 'settings.');
    changes.push(fields.length > 0 ? { op: 'update', kind: 'environment', name: env.name, fields } : { op: 'unchanged', kind: 'environment', name: env.name });
  }

  const seen = new Set<string>();
  input.services.desired.forEach((desired, index) => {
    if (seen.has(desired.name)) {
      problems.push({ index, field: 'name', message: `a second service named ${desired.name}: names are unique in an environment` });
      return;
    }
    seen.add(desired.name);
    const current = input.services.current.find((s) => s.name === desired.name);
    if (!current) {
      changes.push({ op: 'create', kind: 'service', name: desired.name });
      return;
    }
    if (current.type !== desired.type) {
      problems.push({ index, field: 'type', message: `${desired.name} is a ${current.type} service; a type cannot change (delete the service, or give the new one another name)` });
      return;
    }
    const fields = serviceChangedFields(current, desired);
    changes.push(fields.length > 0 ? { op: 'update', kind: 'service', name: desired.name, fields } : { op: 'unchanged', kind: 'service', name: desired.name });
  });

  for (const current of input.services.current) {
    if (seen.has(current.name)) continue;
    changes.push({ op: input.prune ? 'delete' : 'unchanged', kind: 'service', name: current.name });
  }
  return { changes, problems };
}
