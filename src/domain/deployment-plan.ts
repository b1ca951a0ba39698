import { operationOf, type ServiceOperation } from './actions.js';
import { injectedConnections } from './databases.js';
import { versionToDeploy } from './desired-spec.js';
import { codeSource, isCronJob, isGitSource, isLifecycleJob, isManagedDatabase, type EnvVar, type Service, type TypedSource } from './model.js';
import { servicesTouched, unavailableReason } from './request-scope.js';
import type { RequestedAction } from './requests.js';
import { restoredService } from './rollback.js';
import { planStages, type Stage } from './stages.js';
import { NO_VARIABLES, variablesReaching, type ScopedVariables } from './variables.js';
import type { DeployedSpec, ServiceSettings, ServiceSource } from './model.js';

/**
 * The plan of one request, decided before anything runs (docs/queue-and-cancel.md): which
 * services it touches, in which stage, at which version, with which injected env and shared
 * variables, and which kind of work each is. The engine executes a plan; it decides none of
 * this itself.
 */

/** The work a service's actions are, each done by one handler of src/engine/kinds. */
export type ServiceKind = 'container-like' | 'lifecycle-job' | 'cron-job' | 'managed-database';

/** Applications, containers and container databases run as instances; jobs and managed databases do not. */
export function kindOf(service: TypedSource): ServiceKind {
  if (isCronJob(service)) return 'cron-job';
  if (isLifecycleJob(service)) return 'lifecycle-job';
  if (isManagedDatabase(service)) return 'managed-database';
  return 'container-like';
}

export interface PlannedService {
  /** The service as it runs in this request: the request's pin (Deploy other version / latest) applied. */
  service: Service;
  kind: ServiceKind;
  /**
   * Deploy: the version it deploys as far as known without asking a git remote — the version
   * shown, not necessarily the latest (docs/actions.md). null: a git service whose branch head
   * is read when the request starts (never deployed, or Deploy latest version).
   * Stop, Restart, Delete: the version deployed now.
   */
  version: string | null;
  /** A deploy of a git service: its image is built from `version` (or the head read) first. */
  builds: boolean;
  /** The databases' connections it gets in its env (none for the databases themselves). */
  injectedEnv: Record<string, string>;
  /** The project's and environment's variables that reach it, over the connections, under its own env (variables.ts). */
  variables: EnvVar[];
}

export interface StagePlan {
  name: string;
  order: number;
  services: PlannedService[];
}

export interface DeploymentPlan {
  operation: ServiceOperation;
  /** Pins to record before anything moves: Deploy other version pins, Deploy latest unpins (null). */
  pins: Array<{ serviceId: string; version: string | null }>;
  /** A rollback's source and settings to write back before anything moves (docs/api.md#rollback). */
  restores: Array<{ serviceId: string; source: ServiceSource; settings: ServiceSettings }>;
  /** In the order they run; services of one stage run together. */
  stages: StagePlan[];
}

/** What the plan is made from: the request, and the environment as it is when its turn comes. */
export interface PlanInput {
  request: RequestedAction;
  /** Every service of the environment (the databases' connections reach every other one). */
  services: readonly Service[];
  /** The environment's own stages (the defaults are always there). */
  stages: readonly Stage[];
  /** The host other services reach a database by on the environment's runtime. */
  databaseHost: (database: Service) => string;
  /** The project's and the environment's variables (none when not given). */
  variables?: ScopedVariables;
  /** A rollback: the spec the deployment it rolls back to deployed, by service id. */
  rollbackSpecs?: ReadonlyMap<string, DeployedSpec>;
}

/** The plan, or why the request no longer holds now that its turn came (it ends SKIPPED). */
export type PlanResult = { plan: DeploymentPlan } | { skipped: string };

export function planDeployment(input: PlanInput): PlanResult {
  const { request } = input;
  const touched = servicesTouched(request, input.services);
  const skipped = unavailableReason(request, input.services, touched);
  if (skipped) return { skipped };

  const operation = operationOf(request.action);
  const pins = pinsOf(request, touched);
  const pinned = new Map(pins.map((pin) => [pin.serviceId, pin.version]));
  const restores = restoresOf(request, touched, input.rollbackSpecs);
  const restored = new Map(restores.map((r) => [r.serviceId, r.service]));
  const withPin = (service: Service): Service => {
    const base = restored.get(service.id) ?? service;
    return pinned.has(service.id) ? { ...base, targetVersion: pinned.get(service.id) ?? null } : base;
  };
  const connections = injectedConnections(input.services, input.databaseHost);
  const followHead = request.action === 'DEPLOY_LATEST';

  const planned = new Map(
    touched.map(withPin).map((service): [string, PlannedService] => {
      const git = isGitService(service);
      const version = operation !== 'deploy' ? service.deployedVersion : followHead && git ? null : versionToDeploy(service);
      return [
        service.id,
        {
          service,
          kind: kindOf(service),
          version,
          builds: operation === 'deploy' && git,
          injectedEnv: service.type === 'database' ? {} : connections,
          variables: variablesReaching(service, input.variables ?? NO_VARIABLES),
        },
      ];
    }),
  );
  const stages = planStages(touched, input.stages, operation).map((stage) => ({
    name: stage.name,
    order: stage.order,
    services: stage.serviceIds.map((id) => planned.get(id)!),
  }));
  return { plan: { operation, pins, restores: restores.map((r) => ({ serviceId: r.serviceId, source: r.service.source, settings: r.service.settings })), stages } };
}

/** A rollback's services as they were deployed then; none for any other request. */
function restoresOf(request: RequestedAction, touched: readonly Service[], specs: PlanInput['rollbackSpecs']): Array<{ serviceId: string; service: Service }> {
  if (!request.rollbackOf || !specs) return [];
  return touched.flatMap((service) => {
    const spec = specs.get(service.id);
    const restored = spec && restoredService(service, spec);
    return restored ? [{ serviceId: service.id, service: restored }] : [];
  });
}

function pinsOf(request: RequestedAction, touched: readonly Service[]): DeploymentPlan['pins'] {
  if (request.action === 'DEPLOY_VERSION') {
    return Object.entries(request.versions).map(([serviceId, version]) => ({ serviceId, version }));
  }
  if (request.action === 'DEPLOY_LATEST') return touched.map((service) => ({ serviceId: service.id, version: null }));
  return [];
}

function isGitService(service: Service): boolean {
  const source = codeSource(service);
  return source !== null && isGitSource(source);
}

/** Every service of the plan, stage after stage. */
export function plannedServices(plan: DeploymentPlan): PlannedService[] {
  return plan.stages.flatMap((stage) => stage.services);
}
