import {
  environmentRunningStatus,
  environmentStatus,
  isGitSource,
  isJobSource,
  pendingChanges,
  pendingChangesByDigest,
  splitUrlUserinfo,
  variablesReaching,
  NO_VARIABLES,
  withUrlUserinfo,
  type DeployedSpec,
  type Environment,
  type EnvVar,
  type GitSource,
  type ImageSource,
  type Project,
  type RunningState,
  type ScopedVariables,
  type Service,
  type ServiceSource,
} from '../domain/index.js';
import type { ControlPlane } from '../engine/control-plane.js';
import type { Deployment, DeploymentDetail, LogLine, Token } from '../store/store.js';
import { withSpec, type ServiceStatusRead } from './environment-status.js';

/** Store objects as the API shows them: secrets masked, internals left out. */

export const SECRET_MASK = '********';

export function maskEnv(env: readonly EnvVar[]): EnvVar[] {
  return env.map((v) => (v.secret ? { ...v, value: SECRET_MASK } : { ...v }));
}

/**
 * Credentials in a git URL (`https://user:token@host/…`) are masked like secrets
 * (docs/build.md#credentials), the whole userinfo: `https://********@host/…`. An ssh login name
 * alone (`ssh://git@host`) is no credential and stays.
 */
export function maskGitUrl(url: string): string {
  const parts = splitUrlUserinfo(url);
  if (!parts) return url;
  if (!/^https?:\/\//i.test(parts.scheme) && !parts.userinfo.includes(':')) return url;
  return withUrlUserinfo(parts, SECRET_MASK);
}

function maskCodeSource(source: GitSource | ImageSource): GitSource | ImageSource {
  return isGitSource(source) ? { git: { ...source.git, url: maskGitUrl(source.git.url) } } : source;
}

export function maskSource(source: ServiceSource): ServiceSource {
  if (isJobSource(source)) return { ...source, source: maskCodeSource(source.source) };
  return isGitSource(source) ? maskCodeSource(source) : source;
}

/** `previewsProblem`: why no preview can be made now (project-previews.ts), null when they can. */
export function presentProject(p: Project, previewsProblem: string | null = null) {
  return { id: p.id, name: p.name, createdAt: p.createdAt, previews: p.previews ? { ...p.previews, problem: previewsProblem } : null };
}

export function presentToken(t: Token) {
  return { id: t.id, name: t.name, role: t.role, createdAt: t.createdAt, ...(t.projects ? { projects: t.projects } : {}) };
}

function liveServices<S extends Pick<Service, 'status'>>(services: readonly S[]): S[] {
  return services.filter((s) => s.status !== 'DELETED');
}

export function environmentStates(services: ReadonlyArray<Pick<Service, 'id' | 'status'>>, controlPlane: ControlPlane) {
  const state = environmentStatus(services.map((s) => s.status));
  const live = liveServices(services);
  const runningState = environmentRunningStatus(live.map((s) => controlPlane.runningState(s).status));
  return { state, runningState };
}

/** `services`: their ids and statuses are all its derived states need (listServiceStates). */
export function presentEnvironment(env: Environment, services: ReadonlyArray<Pick<Service, 'id' | 'status'>>, controlPlane: ControlPlane) {
  return {
    id: env.id,
    projectId: env.projectId,
    name: env.name,
    runtime: env.runtime,
    // The kubeconfig is a secret: shown masked, as secret env values are.
    settings: env.settings.kubeconfig !== undefined ? { ...env.settings, kubeconfig: SECRET_MASK } : env.settings,
    createdAt: env.createdAt,
    ...environmentStates(services, controlPlane),
    preview: env.preview ?? null,
  };
}

/**
 * The config digest answers for a service unchanged since its deploy; the others are compared
 * with the spec they were deployed with. A spec the store cannot open (damaged in the database)
 * counts as unknown, as in the environment's status: the service is compared on its version
 * only, and the view still answers.
 */
function pendingChangesOf(service: Service, variables: readonly EnvVar[]) {
  return pendingChangesByDigest(service, variables) ?? pendingChanges(withSpec(service, openableSpec(service)), variables);
}

function openableSpec(service: Service): DeployedSpec | null {
  try {
    return service.deployedSpec;
  } catch {
    return null;
  }
}

/** `variables`: its project's and environment's, which its pending changes take into account. */
export async function presentService(service: Service, controlPlane: ControlPlane, variables: ScopedVariables = NO_VARIABLES) {
  const runningState: RunningState = controlPlane.runningState(service);
  return {
    id: service.id,
    environmentId: service.environmentId,
    name: service.name,
    type: service.type,
    source: maskSource(service.source),
    settings: { ...service.settings, env: maskEnv(service.settings.env) },
    state: service.status,
    statusMessage: service.statusMessage,
    runningState,
    deployedVersion: service.deployedVersion,
    targetVersion: service.targetVersion,
    // What a Redeploy would apply: settings, source or shared variables edited since the last deploy.
    ...pendingChangesOf(service, variablesReaching(service, variables)),
    stageId: service.stageId,
    skipEnvironmentActions: service.skipEnvironmentActions,
    endpoints: await controlPlane.endpoints(service.id),
    createdAt: service.createdAt,
    updatedAt: service.updatedAt,
  };
}

export function presentEnvironmentStatus(env: Environment, read: readonly ServiceStatusRead[], controlPlane: ControlPlane) {
  return {
    id: env.id,
    ...environmentStates(read.map((r) => r.service), controlPlane),
    services: read.map(({ service: s, pending }) => ({
      id: s.id,
      name: s.name,
      type: s.type,
      state: s.status,
      runningState: controlPlane.runningState(s),
      deployedVersion: s.deployedVersion,
      pendingChanges: pending.pendingChanges,
      pendingFields: pending.pendingFields,
    })),
  };
}

export function presentDeployment(d: Deployment) {
  return {
    id: d.id,
    environmentId: d.environmentId,
    action: d.request.action,
    level: d.request.level,
    serviceIds: d.request.serviceIds,
    versions: d.request.versions,
    ...(d.request.keepData === undefined ? {} : { keepData: d.request.keepData }),
    ...(d.request.rollbackOf ? { rollbackOf: d.request.rollbackOf } : {}),
    origin: d.origin,
    triggeredBy: d.triggeredBy,
    status: d.status,
    message: d.message,
    cancelRequested: d.cancelRequested,
    createdAt: d.createdAt,
    startedAt: d.startedAt,
    endedAt: d.endedAt,
  };
}

export function presentDeploymentDetail(d: DeploymentDetail) {
  return {
    ...presentDeployment(d),
    stages: d.stages.map((stage) => ({
      name: stage.name,
      order: stage.order,
      status: stage.status,
      services: stage.services.map((s) => ({
        serviceId: s.serviceId,
        name: s.name,
        type: s.type,
        version: s.version,
        status: s.status,
        steps: s.steps.map((step) => ({
          name: step.name,
          status: step.status,
          startedAt: step.startedAt,
          durationMs: step.durationMs,
          message: step.message,
        })),
      })),
    })),
  };
}

export function presentLogLine(l: LogLine) {
  return { seq: l.seq, ts: l.ts, serviceId: l.serviceId, step: l.step, level: l.level, message: l.message };
}
