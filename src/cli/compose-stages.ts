import { DEFAULT_STAGES } from '../domain/stages.js';

/**
 * Compose's `depends_on` as Slipway stages (docs/environment-files.md#importing-a-compose-file):
 * each service runs in a later stage than what it depends on. The default stages (databases,
 * lifecycle jobs, cron jobs, containers, applications) already order most dependencies (a
 * container on a database); a stage is added only where they do not (a container on a
 * container): right after the stage of its dependency, named after the default stage it follows
 * (`containers 2`, `containers 3`, …). Pure.
 */

/** The default stage of each kind of service an import creates. */
const DEFAULT_STAGE_OF: Record<string, string> = { database: 'databases', container: 'containers', application: 'applications' };

export interface ComposeStages {
  /** The stages to add, in order. */
  stages: Array<{ name: string; order: number }>;
  /** The stage each service moves to (services that stay in their default stage are absent). */
  stageOf: Map<string, string>;
  /** The services of a depends_on cycle, which no order satisfies (left in their default stages). */
  cycle: string[];
}

function defaultOrder(type: string): number | undefined {
  return DEFAULT_STAGES.find((s) => s.id === DEFAULT_STAGE_OF[type])?.order;
}

/** `containers 2` for 401: the default stage at or before the order, and how far after it. */
function stageName(order: number): string {
  const base = [...DEFAULT_STAGES].reverse().find((s) => s.order <= order) ?? DEFAULT_STAGES[0]!;
  return `${base.name} ${order - base.order + 1}`;
}

/**
 * @param types each imported service's type, by name, in the file's order
 * @param dependsOn each service's dependencies, by name (ones not imported are ignored)
 */
export function stagesFromDependsOn(types: ReadonlyMap<string, string>, dependsOn: ReadonlyMap<string, readonly string[]>): ComposeStages {
  const order = new Map<string, number>();
  for (const [name, type] of types) {
    const o = defaultOrder(type);
    if (o !== undefined) order.set(name, o);
  }
  // Each pass moves a service after its dependencies; a longest chain needs one pass per service.
  let changed = true;
  for (let pass = 0; changed && pass <= order.size; pass++) {
    changed = false;
    for (const [name, mine] of order) {
      const after = Math.max(...(dependsOn.get(name) ?? []).map((d) => order.get(d) ?? -Infinity));
      if (after >= mine) {
        order.set(name, after + 1);
        changed = true;
      }
    }
  }
  if (changed) {
    const cycle = [...order].filter(([name, o]) => o !== defaultOrder(types.get(name)!)).map(([name]) => name);
    return { stages: [], stageOf: new Map(), cycle };
  }
  const stageOf = new Map<string, string>();
  const stages = new Map<number, string>();
  for (const [name, o] of order) {
    if (o === defaultOrder(types.get(name)!)) continue;
    const stage = stages.get(o) ?? stageName(o);
    stages.set(o, stage);
    stageOf.set(name, stage);
  }
  return { stages: [...stages].sort(([a], [b]) => a - b).map(([o, name]) => ({ name, order: o })), stageOf, cycle: [] };
}
