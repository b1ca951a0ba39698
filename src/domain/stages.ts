import type { ServiceOperation } from './actions.js';
import { runsOnEvent, type Service, type TypedSource } from './model.js';

/** A stage of environment actions: services of one stage run together, stages one after another. */
export interface Stage {
  id: string;
  name: string;
  order: number;
}

/**
 * The default order (docs/queue-and-cancel.md#stages): databases, lifecycle jobs, cron jobs,
 * containers, applications. Orders leave room so user-defined stages can sit between them.
 */
export const DEFAULT_STAGES: readonly Stage[] = [
  { id: 'databases', name: 'databases', order: 100 },
  { id: 'lifecycle-jobs', name: 'lifecycle jobs', order: 200 },
  { id: 'cron-jobs', name: 'cron jobs', order: 300 },
  { id: 'containers', name: 'containers', order: 400 },
  { id: 'applications', name: 'applications', order: 500 },
];

type StagedService = Pick<Service, 'id' | 'stageId'> & TypedSource;

export function defaultStageId(service: TypedSource): string {
  switch (service.type) {
    case 'database':
      return 'databases';
    case 'job':
      return service.source.jobType === 'cron' ? 'cron-jobs' : 'lifecycle-jobs';
    case 'container':
      return 'containers';
    case 'application':
      return 'applications';
  }
}

export interface PlannedStage {
  name: string;
  order: number;
  serviceIds: string[];
}

/**
 * Groups the services an action touches into stages in the order they run: ascending, or
 * descending for Stop and Delete so applications stop before the databases they use.
 * Empty stages are left out. A service whose stage no longer exists falls back to its default.
 * Delete runs the lifecycle jobs that listen to `delete` first (docs/queue-and-cancel.md#stages),
 * before anything else of the request is deleted: a stage that also holds other services runs those
 * later, in its place, and its leading part is named "<stage> (delete jobs)".
 */
export function planStages(
  services: readonly StagedService[],
  customStages: readonly Stage[],
  operation: ServiceOperation,
): PlannedStage[] {
  const reverse = operation === 'stop' || operation === 'delete';
  const byOrder = (a: PlannedStage, b: PlannedStage) => (reverse ? b.order - a.order : a.order - b.order);
  if (operation !== 'delete') return groupByStage(services, customStages).sort(byOrder);
  const first = services.filter((s) => runsOnEvent(s, 'delete'));
  const rest = services.filter((s) => !runsOnEvent(s, 'delete'));
  const later = groupByStage(rest, customStages).sort(byOrder);
  const split = new Set(later.map((stage) => stage.name));
  const leading = groupByStage(first, customStages)
    .sort(byOrder)
    .map((stage) => (split.has(stage.name) ? { ...stage, name: `${stage.name} (delete jobs)` } : stage));
  return [...leading, ...later];
}

function groupByStage(services: readonly StagedService[], customStages: readonly Stage[]): PlannedStage[] {
  const stages = new Map<string, Stage>();
  for (const stage of [...DEFAULT_STAGES, ...customStages]) stages.set(stage.id, stage);
  const groups = new Map<string, PlannedStage>();
  for (const service of services) {
    const stage = (service.stageId && stages.get(service.stageId)) || stages.get(defaultStageId(service))!;
    let group = groups.get(stage.id);
    if (!group) {
      group = { name: stage.name, order: stage.order, serviceIds: [] };
      groups.set(stage.id, group);
    }
    group.serviceIds.push(service.id);
  }
  return [...groups.values()];
}
