/** The shapes of Slipway's API v1 the console reads (SPEC §8, §9; src/api/present.ts). */

export type Role = 'viewer' | 'deployer' | 'admin';
export type ServiceType = 'application' | 'container' | 'database' | 'job';
export type ActionId = 'DEPLOY' | 'REDEPLOY' | 'STOP' | 'RESTART' | 'CANCEL' | 'DEPLOY_VERSION' | 'DEPLOY_LATEST' | 'DELETE';

export interface Project {
  id: string;
  name: string;
  createdAt: string;
}

export interface Environment {
  id: string;
  projectId: string;
  name: string;
  runtime: 'docker' | 'kubernetes';
  settings: { maxParallelBuilds: number; maxParallelDeploys: number };
  createdAt: string;
  state: string;
  runningState: string;
}

export interface Instance {
  id: string;
  version?: string | null;
  ready: boolean;
  restarts?: number;
  lastExitCode?: number | null;
  startedAt?: string | null;
}

export interface RunningState {
  status: string;
  instances: Instance[];
}

export interface Endpoint {
  port: number;
  protocol: string;
  url: string;
}

export interface EnvVar {
  key: string;
  value: string;
  secret?: boolean;
}

export interface Port {
  containerPort: number;
  public?: boolean;
  protocol?: 'http' | 'tcp';
}

export type Probe =
  | { type: 'http'; path: string; port: number; [timing: string]: unknown }
  | { type: 'tcp'; port: number; [timing: string]: unknown }
  | { type: 'exec'; command: string[]; [timing: string]: unknown };

export interface ServiceSettings {
  instances?: number;
  cpu?: number;
  memoryMb?: number;
  ports?: Port[];
  env?: EnvVar[];
  healthchecks?: { readiness?: Probe; liveness?: Probe };
  startTimeoutSeconds?: number;
  storage?: Array<{ mountPath: string; sizeGb: number }>;
  autoDeploy?: boolean;
  command?: string[];
}

export interface GitSource {
  git: { url: string; branch: string; rootPath?: string; dockerfilePath?: string };
}
export interface ImageSource {
  image: { name: string; tag: string };
}
export interface DatabaseSource {
  engine: 'postgresql' | 'mysql' | 'redis' | 'mongodb';
  version: string;
  mode?: 'container' | 'managed';
  storageGb?: number;
  image?: { name: string; tag: string };
}
export interface JobSource {
  jobType: 'lifecycle' | 'cron';
  schedule?: string;
  events?: Array<'start' | 'stop' | 'delete'>;
  source: GitSource | ImageSource;
  command?: string[];
  maxDurationSeconds?: number;
  maxRestarts?: number;
}
export type ServiceSource = GitSource | ImageSource | DatabaseSource | JobSource;

export interface Service {
  id: string;
  environmentId: string;
  name: string;
  type: ServiceType;
  source: ServiceSource;
  settings: ServiceSettings;
  state: string;
  statusMessage: string | null;
  runningState: RunningState;
  deployedVersion: string | null;
  targetVersion: string | null;
  /** Left out of environment-level actions (SPEC §5). */
  skipEnvironmentActions: boolean;
  /**
   * Settings or source differ from what is deployed (SPEC §4.2): `pendingFields` names them
   * (`source`, `env`, `instances`…); a never-deployed service has none. Optional until every
   * server the console talks to sends them.
   */
  pendingChanges?: boolean;
  pendingFields?: string[];
  endpoints: Endpoint[];
  createdAt: string;
  updatedAt: string;
}

export interface ActionAvailability {
  action: ActionId;
  available: boolean;
  reason?: string;
}

export interface ActionAccepted {
  requestId: string;
  deploymentId: string;
  position: number;
  merged: boolean;
}

export interface Deployment {
  id: string;
  environmentId: string;
  action: string;
  level: 'service' | 'environment';
  serviceIds: string[];
  versions: Record<string, string>;
  origin: string;
  triggeredBy: string;
  status: string;
  message: string | null;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface QueueItem extends Deployment {
  position: number;
}

export interface Queue {
  running: Deployment | null;
  items: QueueItem[];
}

export interface Step {
  name: string;
  status: string;
  startedAt: string | null;
  durationMs: number | null;
  message: string | null;
}

export interface DeploymentDetail extends Deployment {
  stages: Array<{
    name: string;
    order: number;
    status: string;
    services: Array<{ serviceId: string; name: string; type: string; version: string | null; status: string; steps: Step[] }>;
  }>;
}

export interface LogLine {
  seq: number;
  ts: string;
  serviceId: string | null;
  step: string | null;
  level: string;
  message: string;
}

/** A tag (image services) or a commit (git services). */
export type VersionItem = { tag: string } | { sha: string; message: string; author: string; date: string };

export interface OutdatedService {
  id: string;
  name: string;
  type: ServiceType;
  deployedVersion: string | null;
  latestVersion: string;
  branch: string;
}

export interface FieldError {
  field: string;
  message: string;
}

/** The events of `GET /events` (src/engine/events.ts). */
export type SlipwayEvent =
  | { type: 'service.status'; projectId: string; environmentId: string; serviceId: string; status: string; message: string | null }
  | { type: 'service.running'; projectId: string; environmentId: string; serviceId: string; runningState: RunningState }
  | { type: 'environment.status'; projectId: string; environmentId: string; status: string; runningStatus: string }
  | { type: 'deployment.status'; projectId: string; environmentId: string; deploymentId: string; status: string; message: string | null }
  | { type: 'deployment.log'; projectId: string; environmentId: string; deploymentId: string };
