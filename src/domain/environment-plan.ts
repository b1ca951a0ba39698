import type { EnvVar, ServiceType } from './model.js';
import { DEFAULT_STAGES } from './stages.js';

/**
 * Environments as code: what applying an environment file changes (pure). The caller gives the
 * current resources and the file's, both normalised the same way (defaults filled in, secrets
 * resolved); this says, resource by resource, create, update (which fields), delete or
 * unchanged. Applying the same file twice gives only `unchanged` the second time.
 * User-defined stages are part of the environment (its fields `stages.<name>`); environment
 * variables are resources of their own (kind `variable`). Like services, stages and variables
 * missing from the file are kept unless pruned.
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
  /** The user-defined stage it runs in, by name; null or absent: its type's default stage. */
  stage?: string | null;
  /** Left out of environment-wide actions; absent: false. */
  skipEnvironmentActions?: boolean;
}

/** A user-defined stage of an environment (docs/queue-and-cancel.md#stages). */
export interface StageShape {
  name: string;
  order: number;
}

export interface EnvironmentPlanInput {
  project: { name: string; exists: boolean };
  environment: { name: string; current: object | null; desired: object };
  services: { current: readonly ServiceShape[]; desired: readonly ServiceShape[] };
  /** The environment's user-defined stages; absent: none on either side. */
  stages?: { current: readonly StageShape[]; desired: readonly StageShape[] };
  /** The environment's variables (values in clear); absent: none on either side. */
  variables?: { current: readonly EnvVar[]; desired: readonly EnvVar[] };
  /** Services, stages and variables missing from the file are deleted (else kept, shown unchanged). */
  prune: boolean;
}

export interface PlanProblem {
  /** The list of the file the problem is in. */
  list: 'services' | 'stages' | 'variables';
  /** Index of the entry in that list. */
  index: number;
  field: 'name' | 'type' | 'stage' | 'key';
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
  const placement = (s: ServiceShape) => ({ stage: s.stage == null ? null : stageKey(s.stage), skipEnvironmentActions: s.skipEnvironmentActions ?? false });
  return [
    ...changedFields(current.source, desired.source, 'source.'),
    ...changedFields(current.settings, desired.settings, 'settings.'),
    ...changedFields(placement(current), placement(desired), ''),
  ];
}

/** Stage names compare without case, as the stages API does. */
const stageKey = (name: string) => name.toLowerCase();

/**
 * The stages the environment has once the file is applied: the file's, plus (without prune) the
 * current ones it does not name. Problems: a name twice, or a default stage's name.
 */
function stagesAfter(input: EnvironmentPlanInput, problems: PlanProblem[]): Map<string, StageShape> {
  const after = new Map<string, StageShape>();
  if (!input.prune) for (const s of input.stages?.current ?? []) after.set(stageKey(s.name), s);
  const seen = new Set<string>();
  (input.stages?.desired ?? []).forEach((stage, index) => {
    const key = stageKey(stage.name);
    if (DEFAULT_STAGES.some((d) => stageKey(d.name) === key)) {
      problems.push({ list: 'stages', index, field: 'name', message: `${stage.name} is a default stage: give a user-defined stage another name` });
    } else if (seen.has(key)) {
      problems.push({ list: 'stages', index, field: 'name', message: `a second stage named ${stage.name}: names are unique in an environment` });
    }
    seen.add(key);
    after.set(key, stage);
  });
  return after;
}

/** `stages.<name>` for each stage created, changed (order, or the case of its name) or deleted. */
function stageFields(current: readonly StageShape[], after: ReadonlyMap<string, StageShape>): string[] {
  const named = (list: Iterable<StageShape>) => Object.fromEntries([...list].map((s) => [stageKey(s.name), s]));
  return changedFields(named(current), named(after.values()), 'stages.');
}

function environmentChange(input: EnvironmentPlanInput, stages: ReadonlyMap<string, StageShape>): PlanChange {
  const env = input.environment;
  if (env.current === null) return { op: 'create', kind: 'environment', name: env.name };
  const fields = [...changedFields(env.current, env.desired, 'settings.'), ...stageFields(input.stages?.current ?? [], stages)];
  return fields.length > 0 ? { op: 'update', kind: 'environment', name: env.name, fields } : { op: 'unchanged', kind: 'environment', name: env.name };
}

/** Each variable by key: created, updated (`value`, `secret`), unchanged; the ones the file leaves out deleted with prune. */
function variableChanges(input: EnvironmentPlanInput, problems: PlanProblem[]): PlanChange[] {
  const changes: PlanChange[] = [];
  const current = input.variables?.current ?? [];
  const seen = new Set<string>();
  (input.variables?.desired ?? []).forEach((desired, index) => {
    if (seen.has(desired.key)) {
      problems.push({ list: 'variables', index, field: 'key', message: `a second variable ${desired.key}: keys are unique in an environment` });
      return;
    }
    seen.add(desired.key);
    const existing = current.find((v) => v.key === desired.key);
    if (!existing) {
      changes.push({ op: 'create', kind: 'variable', name: desired.key });
      return;
    }
    const fields = changedFields({ value: existing.value, secret: existing.secret }, { value: desired.value, secret: desired.secret }, '');
    changes.push(fields.length > 0 ? { op: 'update', kind: 'variable', name: desired.key, fields } : { op: 'unchanged', kind: 'variable', name: desired.key });
  });
  for (const v of current) {
    if (!seen.has(v.key)) changes.push({ op: input.prune ? 'delete' : 'unchanged', kind: 'variable', name: v.key });
  }
  return changes;
}

export function planEnvironment(input: EnvironmentPlanInput): Plan {
  const changes: PlanChange[] = [];
  const problems: PlanProblem[] = [];
  changes.push({ op: input.project.exists ? 'unchanged' : 'create', kind: 'project', name: input.project.name });
  const stages = stagesAfter(input, problems);
  changes.push(environmentChange(input, stages));
  changes.push(...variableChanges(input, problems));

  const seen = new Set<string>();
  input.services.desired.forEach((desired, index) => {
    if (seen.has(desired.name)) {
      problems.push({ list: 'services', index, field: 'name', message: `a second service named ${desired.name}: names are unique in an environment` });
      return;
    }
    seen.add(desired.name);
    if (desired.stage != null && !stages.has(stageKey(desired.stage))) {
      problems.push({ list: 'services', index, field: 'stage', message: `no stage named ${desired.stage}: list it under stages (a service in its type's default stage names none)` });
    }
    const current = input.services.current.find((s) => s.name === desired.name);
    if (!current) {
      changes.push({ op: 'create', kind: 'service', name: desired.name });
      return;
    }
    if (current.type !== desired.type) {
      problems.push({ list: 'services', index, field: 'type', message: `${desired.name} is a ${current.type} service; a type cannot change (delete the service, or give the new one another name)` });
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
