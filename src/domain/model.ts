import type { DeployedSpec } from './deployed-spec.js';
import type { DeploymentStatus, RunningState } from './statuses.js';

/** Resources of docs/resources.md. Plain data: the store persists them, the API shows them. */

export type RuntimeKind = 'docker' | 'kubernetes';
export type ServiceType = 'application' | 'container' | 'database' | 'job';

export interface Project {
  id: string;
  name: string;
  createdAt: string;
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

export interface Service {
  id: string;
  environmentId: string;
  name: string;
  type: ServiceType;
  source: ServiceSource;
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
  /** User-defined stage; null puts the service in its type's default stage. */
  stageId: string | null;
  /** Left out of environment-level actions. */
  skipEnvironmentActions: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ServiceWithRunningState extends Service {
  runningState: RunningState;
}

export function isGitSource(source: ServiceSource): source is GitSource {
  return 'git' in source;
}

export function isImageSource(source: ServiceSource): source is ImageSource {
  return 'image' in source && !('engine' in source);
}

export type LifecycleEvent = 'start' | 'stop' | 'delete';

/** Whether a service is a lifecycle job that runs on this event: the events it lists, `start` when it lists none. */
export function runsOnEvent(service: Pick<Service, 'type' | 'source'>, event: LifecycleEvent): boolean {
  if (service.type !== 'job') return false;
  const job = service.source as JobSource;
  return job.jobType === 'lifecycle' && (job.events ?? ['start']).includes(event);
}

/** The git or image source a service builds or pulls from, if it has one. */
export function codeSource(service: Pick<Service, 'type' | 'source'>): GitSource | ImageSource | null {
  const source = service.source;
  if (service.type === 'job') return (source as JobSource).source;
  if (isGitSource(source) || isImageSource(source)) return source;
  return null;
}
