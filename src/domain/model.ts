import type { EnvironmentPreview, ProjectPreviews } from './previews.js';
import type { DeploymentStatus, RunningState } from './statuses.js';

/** Resources of docs/resources.md. Plain data: the store persists them, the API shows them. */

export type RuntimeKind = 'docker' | 'kubernetes';
export type ServiceType = 'application' | 'container' | 'database' | 'job';

export interface Project {
  id: string;
  name: string;
  createdAt: string;
  /** Preview environments per pull request (docs/teams.md#preview-environments); absent: none. */
  previews?: ProjectPreviews;
}

export interface EnvironmentSettings {
  maxParallelBuilds: number;
  maxParallelDeploys: number;
  /**
   * A `kubernetes` environment's own cluster credentials (a kubeconfig's text), used instead of
   * the server's kubeconfig. A secret: encrypted at rest, masked in every API response.
   */
  kubeconfig?: string;
}

export const DEFAULT_ENVIRONMENT_SETTINGS: EnvironmentSettings = {
  maxParallelBuilds: 2,
  maxParallelDeploys: 4,
};

export interface Environment {
  id: string;
  projectId: string;
  name: string;
  runtime: RuntimeKind;
  settings: EnvironmentSettings;
  createdAt: string;
  /** Set on the preview environment of a pull request (docs/teams.md#preview-environments). */
  preview?: EnvironmentPreview;
}

export interface GitSource {
  git: { url: string; branch: string; rootPath: string; dockerfilePath: string };
}

export interface ImageSource {
  image: { name: string; tag: string };
}

export interface DatabaseSource {
  engine: 'postgresql' | 'mysql' | 'redis' | 'mongodb';
  version: string;
  mode: 'container' | 'managed';
  storageGb: number;
  image?: { name: string; tag: string };
}

export interface JobSource {
  jobType: 'lifecycle' | 'cron';
  schedule?: string;
  events?: Array<'start' | 'stop' | 'delete'>;
  source: GitSource | ImageSource;
  command?: string[];
  maxDurationSeconds: number;
  maxRestarts: number;
}

export type ServiceSource = GitSource | ImageSource | DatabaseSource | JobSource;

export type Probe = (
  | { type: 'http'; path: string; port: number }
  | { type: 'tcp'; port: number }
  | { type: 'exec'; command: string[] }
) & {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
};

export interface PortSetting {
  containerPort: number;
  public: boolean;
  protocol: 'http' | 'tcp';
}

export interface EnvVar {
  key: string;
  value: string;
  secret: boolean;
}

export interface ServiceSettings {
  instances: number;
  cpu: number;
  memoryMb: number;
  ports: PortSetting[];
  env: EnvVar[];
  healthchecks: { readiness?: Probe; liveness?: Probe };
  startTimeoutSeconds: number;
  storage: Array<{ mountPath: string; sizeGb: number }>;
  autoDeploy: boolean;
  command?: string[];
  /** Custom host names the edge serves the service on (docs/edge.md#host-names). */
  domains?: Array<{ host: string; port?: number }>;
}

export const DEFAULT_SERVICE_SETTINGS: ServiceSettings = {
  instances: 1,
  cpu: 500,
  memoryMb: 512,
  ports: [],
  env: [],
  healthchecks: {},
  startTimeoutSeconds: 300,
  storage: [],
  autoDeploy: false,
};

/** Everything a service has besides its type and the source that type takes. */
export interface ServiceBase {
  id: string;
  environmentId: string;
  name: string;
  settings: ServiceSettings;
  /** Deployment status (docs/statuses.md#deployment-status). */
  status: DeploymentStatus;
  /** Why the service is in its status, when that needs saying (an error, a skip). */
  statusMessage: string | null;
  /** The version running now: a commit SHA or an image tag. */
  deployedVersion: string | null;
  /** The version the service is pinned to by Deploy other version; null follows the source. */
  targetVersion: string | null;
  /** Hash of the spec running now (see spec-hash.ts). */
  deployedSpecHash: string | null;
  /** What the last successful deploy applied; null before the first one (or one Slipway did not keep). */
  deployedSpec: DeployedSpec | null;
  /** deployedSpecDigest of deployedSpec (deployed-spec.ts); null without one, or one recorded before digests were kept. */
  deployedSpecDigest: string | null;
  /** configDigest of deployedSpec (pending-changes.ts): pending changes are known without reading the spec. Null without a deployed spec, or one the store could not open. */
  deployedConfigDigest: string | null;
  /** User-defined stage; null puts the service in its type's default stage. */
  stageId: string | null;
  /** Left out of environment-level actions. */
  skipEnvironmentActions: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A service's type with the source that type takes (docs/resources.md#services): the type decides the source. */
export type TypedSource =
  | { type: 'application'; source: GitSource }
  | { type: 'container'; source: ImageSource }
  | { type: 'database'; source: DatabaseSource }
  | { type: 'job'; source: JobSource };

export type ApplicationService = ServiceBase & Extract<TypedSource, { type: 'application' }>;
export type ContainerService = ServiceBase & Extract<TypedSource, { type: 'container' }>;
export type DatabaseService = ServiceBase & Extract<TypedSource, { type: 'database' }>;
export type JobService = ServiceBase & Extract<TypedSource, { type: 'job' }>;

export type Service = ApplicationService | ContainerService | DatabaseService | JobService;

export type ServiceWithRunningState = Service & { runningState: RunningState };

export function isGitSource(source: ServiceSource): source is GitSource {
  return 'git' in source;
}

export function isImageSource(source: ServiceSource): source is ImageSource {
  return 'image' in source && !('engine' in source);
}

export function isDatabaseSource(source: ServiceSource): source is DatabaseSource {
  return 'engine' in source;
}

export function isJobSource(source: ServiceSource): source is JobSource {
  return 'jobType' in source;
}

/**
 * A type and a source read from outside the type system (a stored row): together when they
 * agree, null when the source is not one the type takes.
 */
export function typedSource(type: string, source: ServiceSource): TypedSource | null {
  switch (type) {
    case 'application':
      return isGitSource(source) ? { type, source } : null;
    case 'container':
      return isImageSource(source) ? { type, source } : null;
    case 'database':
      return isDatabaseSource(source) ? { type, source } : null;
    case 'job':
      return isJobSource(source) ? { type, source } : null;
    default:
      return null;
  }
}

export type LifecycleEvent = 'start' | 'stop' | 'delete';

export function isLifecycleJob<S extends TypedSource>(service: S): service is S & { type: 'job'; source: JobSource & { jobType: 'lifecycle' } } {
  return service.type === 'job' && service.source.jobType === 'lifecycle';
}

export function isCronJob<S extends TypedSource>(service: S): service is S & { type: 'job'; source: JobSource & { jobType: 'cron' } } {
  return service.type === 'job' && service.source.jobType === 'cron';
}

export function isManagedDatabase<S extends TypedSource>(service: S): service is S & { type: 'database'; source: DatabaseSource & { mode: 'managed' } } {
  return service.type === 'database' && service.source.mode === 'managed';
}

export function isContainerDatabase<S extends TypedSource>(service: S): service is S & { type: 'database'; source: DatabaseSource & { mode: 'container' } } {
  return service.type === 'database' && service.source.mode === 'container';
}

/** Whether a service is a lifecycle job that runs on this event: the events it lists, `start` when it lists none. */
export function runsOnEvent(service: TypedSource, event: LifecycleEvent): boolean {
  return isLifecycleJob(service) && (service.source.events ?? ['start']).includes(event);
}

/** The git or image source a service builds or pulls from, if it has one. */
export function codeSource(service: TypedSource): GitSource | ImageSource | null {
  switch (service.type) {
    case 'job':
      return service.source.source;
    case 'application':
    case 'container':
      return service.source;
    case 'database':
      return null;
  }
}

/**
 * Everything about a service that, when it changes, needs new instances
 * (docs/actions.md#redeploy-without-changes-does-nothing). A Redeploy whose desired spec hashes to
 * the hash running now touches nothing.
 */
export interface DesiredSpec {
  /** The resolved, immutable image reference (digest or image id), not a moving tag. */
  image: string;
  instances: number;
  cpu: number;
  memoryMb: number;
  /** Environment variables with secret values in clear: a changed secret is a change. */
  env: Record<string, string>;
  ports: PortSetting[];
  healthchecks: { readiness?: Probe; liveness?: Probe };
  storage: Array<{ mountPath: string; sizeGb: number }>;
  command?: string[];
}

/**
 * What the last successful deploy of a service applied
 * (docs/actions.md#restart-runs-the-deployed-spec): its source and settings at that time, which the
 * pending changes are measured against, and, for a service the runtime runs, the spec it rolled
 * out, which Restart runs again rather than the settings edited since. It holds secret values in
 * clear: the store keeps it encrypted.
 */
export interface DeployedSpec {
  source: ServiceSource;
  settings: ServiceSettings;
  /** The shared variables that reached it (docs/teams.md#variables); absent: none. */
  variables?: EnvVar[];
  rollout?: DeployedRollout;
}

/** A spec as handed to the runtime's deploy (the runtime's RolloutSpec has this shape). */
export interface DeployedRollout extends DesiredSpec {
  specHash: string;
  version: string;
  startTimeoutSeconds: number;
  secretEnvKeys?: string[];
  /** The custom domains at deploy time (an edge serving by host name uses them); not part of the hash. */
  domains?: Array<{ host: string; port?: number }>;
}
