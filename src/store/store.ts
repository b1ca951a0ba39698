import type {
  DeployedState as DomainDeployedState,
  DeliveryStatus,
  DeployedSpec,
  DeploymentRunStatus,
  DeploymentStatus,
  Environment,
  EnvVar,
  EnvironmentPreview,
  EnvironmentSettings,
  LogLevel,
  Notification,
  NotificationEvent,
  NotificationFormat,
  Origin,
  PreviewRecord,
  Project,
  ProjectPreviews,
  RequestedAction,
  RuntimeKind,
  ScopedVariables,
  Service,
  ServiceBase,
  ServiceSettings,
  ServiceSource,
  ServiceType,
  Stage,
  StepName,
  StepStatus,
  TypedSource,
} from '../domain/index.js';

/**
 * Persistence, as the engine and the API see it. One implementation on Kysely serves SQLite
 * and PostgreSQL alike. Ids are UUIDs; timestamps ISO-8601 strings in UTC.
 * Secret env values come in and go out in clear here: the store encrypts them at rest.
 */

export type Role = 'admin' | 'deployer' | 'viewer';

export interface Token {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  /** The projects it is limited to (docs/teams.md#project-limited-tokens); absent: every project. */
  projects?: string[];
}

/** Whose variables: a project's or an environment's (docs/teams.md#variables). */
export type VariableOwner = { projectId: string } | { environmentId: string };

/** One audited request (docs/teams.md#audit-log): who, what, which resource, which fields (never a value), when, how it ended. */
export interface AuditEvent {
  id: string;
  at: string;
  tokenId: string | null;
  tokenName: string;
  /** `create`, `update`, `delete`, or the action run (`deploy`, `redeploy`, `clone`…). */
  action: string;
  resourceType: string;
  resourceId: string | null;
  projectId: string | null;
  /** Names of the fields the request set, never their values. */
  fields: string[];
  method: string;
  path: string;
  statusCode: number;
}

/** A new service: its type and the source that type takes, kept together. */
export type NewService = {
  environmentId: string;
  name: string;
  settings: ServiceSettings;
} & TypedSource;

export interface ServicePatch {
  name?: string;
  source?: ServiceSource;
  settings?: ServiceSettings;
  stageId?: string | null;
  skipEnvironmentActions?: boolean;
  /** null unpins the service (an edit of the image version it deploys replaces the pin). */
  targetVersion?: null;
}

/** What the engine writes once a service's deploy succeeded (the domain's record of a deploy). */
export type DeployedState = DomainDeployedState;

/** A request and its execution: one row (docs/resources.md#deployment-requests-and-deployments). */
export interface Deployment {
  id: string;
  environmentId: string;
  request: RequestedAction;
  origin: Origin;
  triggeredBy: string;
  status: DeploymentRunStatus;
  /** Why it ended as it did (skip reason, first error, cancel). */
  message: string | null;
  cancelRequested: boolean;
  forceCancel: boolean;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface DeploymentStep {
  name: StepName;
  status: StepStatus;
  startedAt: string;
  durationMs: number | null;
  message: string | null;
}

export interface DeploymentServiceRecord {
  serviceId: string;
  name: string;
  type: ServiceType;
  stageName: string;
  stageOrder: number;
  version: string | null;
  status: DeploymentStatus;
  steps: DeploymentStep[];
}

/** A deployment with its stages, services and steps, as `GET /deployments/{id}` shows it. */
export interface DeploymentDetail extends Deployment {
  stages: Array<{
    name: string;
    order: number;
    status: StepStatus | 'PENDING';
    services: DeploymentServiceRecord[];
  }>;
}

/** What one deployment deployed on one service: what a rollback to it puts back. */
export interface DeployedServiceRecord {
  serviceId: string;
  name: string;
  type: ServiceType;
  version: string | null;
  /** null: deployed by a Slipway that did not keep it. */
  spec: DeployedSpec | null;
}

export interface LogLine {
  /** Increasing per deployment; a follower resumes after the last seq it saw. */
  seq: number;
  ts: string;
  serviceId: string | null;
  step: StepName | null;
  level: LogLevel;
  message: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

export interface NewRequest {
  environmentId: string;
  request: RequestedAction;
  origin: Origin;
  triggeredBy: string;
}

export interface EnqueueResult {
  deployment: Deployment;
  /** True when an identical waiting request was found and returned instead of a new one. */
  merged: boolean;
}

export type JobRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** One run of a cron job (docs/resources.md#jobs): when, which version, how it ended. */
export interface JobRun {
  id: string;
  serviceId: string;
  environmentId: string;
  /** The tick the run is for. */
  scheduledFor: string;
  version: string | null;
  status: JobRunStatus;
  exitCode: number | null;
  message: string | null;
  startedAt: string;
  endedAt: string | null;
}

export interface JobRunLogLine {
  seq: number;
  ts: string;
  level: LogLevel;
  message: string;
}

/**
 * The store, as narrow ports: each consumer names the port it uses (the queue worker a
 * QueueStore, a kind handler a part of ServiceStore), so what it can touch is plain to see.
 */
export interface ProjectStore {
  createProject(input: { name: string }): Promise<Project & { webhookSecret: string }>;
  listProjects(): Promise<Project[]>;
  getProject(id: string): Promise<Project | undefined>;
  /** Renames a project and/or sets its previews (null: none); CONFLICT when another project has the name, NOT_FOUND when none has the id. */
  updateProject(id: string, patch: { name?: string; previews?: ProjectPreviews | null }): Promise<Project>;
  getWebhookSecret(projectId: string): Promise<string | undefined>;
  /** Records a webhook delivery's keys (kept 7 days); false when one was recorded before: a replay. */
  recordWebhookDelivery(keys: readonly string[]): Promise<boolean>;
  /** Forgets a delivery that could not be acted on, so that a retry acts. */
  forgetWebhookDelivery(keys: readonly string[]): Promise<void>;
}

export interface TokenStore {
  /** A new token; `secret` is given only for SLIPWAY_BOOTSTRAP_TOKEN (stored salted and slow), otherwise one is generated. */
  createToken(input: { name: string; role: Role; secret?: string; projects?: string[] }): Promise<Token & { token: string }>;
  listTokens(): Promise<Token[]>;
  deleteToken(id: string): Promise<boolean>;
  /** The token whose secret hashes to this one, if any. */
  authenticate(secret: string): Promise<Token | undefined>;
  /** A token stored with the fast hash of this person-chosen secret gets the slow (scrypt) hash instead; true if one did. */
  upgradeTokenHash(secret: string): Promise<boolean>;
  countTokens(): Promise<number>;
}

export interface EnvironmentStore {
  createEnvironment(input: {
    projectId: string;
    name: string;
    runtime: RuntimeKind;
    settings: EnvironmentSettings;
  }): Promise<Environment>;
  listEnvironments(projectId: string): Promise<Environment[]>;
  getEnvironment(id: string): Promise<Environment | undefined>;
  /** Renames and/or changes settings (merged over the stored ones); the runtime never changes. CONFLICT on a duplicate name. */
  updateEnvironment(id: string, patch: { name?: string; settings?: Partial<EnvironmentSettings> }): Promise<Environment>;
  deleteEnvironment(id: string): Promise<void>;
  /** Marks the environment as the preview of a pull request. */
  setEnvironmentPreview(id: string, preview: EnvironmentPreview): Promise<void>;
}

/** What was last handled per pull request (docs/teams.md#preview-environments). */
export interface PreviewStore {
  getPreviewRecord(projectId: string, number: number): Promise<PreviewRecord | undefined>;
  /** Compare-and-set: null inserts; else updates the row still at that revision. false when another write came first. */
  savePreviewRecord(record: Omit<PreviewRecord, 'revision'>, readRevision: number | null): Promise<boolean>;
}

export interface StageStore {
  listStages(environmentId: string): Promise<Stage[]>;
  createStage(input: { environmentId: string; name: string; order: number }): Promise<Stage>;
  getStage(id: string): Promise<(Stage & { environmentId: string }) | undefined>;
  updateStage(id: string, patch: { name?: string; order?: number }): Promise<void>;
  /** Its services go back to their type's default stage. */
  deleteStage(id: string): Promise<void>;
}

/** What a request's availability is judged on (src/domain/actions.ts). */
export type ServiceState = Pick<Service, 'id' | 'status' | 'skipEnvironmentActions'>;

/**
 * What an environment's status shows of a service (GET /environments/{id}/status), with what
 * its pending changes are judged on first: the config digest. Not the deployed spec (sealed;
 * deployedSpecsOf reads those a digest cannot answer for), nor timestamps.
 */
export type ServiceSummary = TypedSource & Pick<ServiceBase, 'id' | 'name' | 'settings' | 'status' | 'deployedVersion' | 'targetVersion' | 'deployedConfigDigest'>;

export interface ServiceStore {
  createService(input: NewService): Promise<Service>;
  listServices(environmentId: string): Promise<Service[]>;
  /**
   * The environment's services as an action's availability sees them (id, status, whether
   * environment actions skip them), in listServices' order: no JSON column is read.
   */
  listServiceStates(environmentId: string): Promise<ServiceState[]>;
  /**
   * The environment's services as its status shows them, in listServices' order: neither the
   * deployed specs nor their table is read. A service without a deployedConfigDigest has no
   * deployed spec the store can open: a deploy records the digest with the spec, and a store
   * opening gives one to every spec recorded before digests were kept.
   */
  listServiceSummaries(environmentId: string): Promise<ServiceSummary[]>;
  /** The deployed specs of these services, by service id; a service without one is absent. */
  deployedSpecsOf(serviceIds: readonly string[]): Promise<Map<string, DeployedSpec>>;
  /** The ids of every service not READY (every service that was ever acted on), in one query: what the running states observe at start. */
  serviceIdsNotReady(): Promise<string[]>;
  /** Every service of one type, across environments (e.g. the jobs a scheduler looks after). */
  listServicesOfType(type: ServiceType): Promise<Service[]>;
  getService(id: string): Promise<Service | undefined>;
  updateService(id: string, patch: ServicePatch): Promise<Service>;
  deleteService(id: string): Promise<void>;
  /**
   * Moves a service to a new deployment status, checking the transition against the domain's
   * table (throws DomainError ILLEGAL_TRANSITION otherwise). Returns the updated service.
   */
  setServiceStatus(id: string, status: DeploymentStatus, message?: string | null): Promise<Service>;
  /** One compare-and-set statement: moves the service from `from` to `to` (checked against the transition table); false when it is not in `from`. */
  moveServiceStatus(id: string, from: DeploymentStatus, to: DeploymentStatus, message: string | null): Promise<boolean>;
  setDeployedState(id: string, state: DeployedState): Promise<void>;
  setTargetVersion(id: string, version: string | null): Promise<void>;
}

/** Variables shared by a project or an environment; secret values go in and out in clear, encrypted at rest. */
export interface VariableStore {
  listVariables(owner: VariableOwner): Promise<EnvVar[]>;
  /** Replaces the owner's variables with these, in this order. */
  replaceVariables(owner: VariableOwner, variables: readonly EnvVar[]): Promise<void>;
  /** The variables of the environment and of its project: what its services' env is made from. */
  scopedVariables(environment: Pick<Environment, 'id' | 'projectId'>): Promise<ScopedVariables>;
}

/** The audit log: appended to, read newest first. */
export interface AuditStore {
  recordAudit(event: Omit<AuditEvent, 'id' | 'at'>): Promise<void>;
  listAudit(filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<Page<AuditEvent>>;
}

/** Which audit events to list; every field given must match (exact values, times inclusive). */
export interface AuditFilter {
  projectId?: string;
  /** Only events of these projects (a project-limited reader). */
  projectIds?: readonly string[];
  since?: string;
  until?: string;
  tokenName?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
}

/** Host ports of public ports (SLIPWAY_EDGE_PORTS): one stable host port per (service, container port). */
export interface HostPortStore {
  allocateHostPort(serviceId: string, containerPort: number, range: { from: number; to: number }): Promise<number>;
  /** The allocated port is taken by another program: another port of the range, none of `unavailable`, recorded instead. */
  reallocateHostPort(serviceId: string, containerPort: number, range: { from: number; to: number }, unavailable: readonly number[]): Promise<number>;
  listHostPorts(serviceId?: string): Promise<Array<{ serviceId: string; containerPort: number; hostPort: number }>>;
  releaseHostPorts(serviceId: string): Promise<void>;
}

/**
 * The queue (docs/queue-and-cancel.md#one-action-at-a-time). Exclusivity is the database's: a
 * unique index allows one RUNNING per environment.
 */
export interface QueueStore {
  /** Inserts a QUEUED request, or returns the identical waiting one (same requestKey) with merged=true. */
  enqueue(input: NewRequest): Promise<EnqueueResult>;
  /**
   * Inserts the request RUNNING under this owner's lease when nothing waits or runs on its
   * environment (nobody else can claim it first); undefined when the environment is not idle.
   */
  startIfIdle(input: NewRequest, owner: string, leaseMs: number): Promise<Deployment | undefined>;
  /** 0 if the deployment runs, n ≥ 1 its place among the waiting ones, null if neither. */
  position(deploymentId: string): Promise<number | null>;
  listWaiting(environmentId: string): Promise<Deployment[]>;
  getRunning(environmentId: string): Promise<Deployment | undefined>;
  /** Environments that have a waiting request and none running. */
  environmentsReadyToRun(): Promise<string[]>;
  /**
   * Marks the oldest waiting request of the environment RUNNING with this owner and lease,
   * unless a request already runs there. Atomic across processes; undefined when nothing was claimed.
   */
  claimNext(environmentId: string, owner: string, leaseMs: number): Promise<Deployment | undefined>;
  /** Extends the lease; false when this owner no longer holds it. */
  renewLease(deploymentId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** RUNNING deployments whose lease ran out (their process died). */
  listExpiredLeases(): Promise<Deployment[]>;
  /** Takes over an expired lease (compare-and-set on the old owner). */
  takeOverLease(deploymentId: string, expiredOwner: string | null, owner: string, leaseMs: number): Promise<boolean>;
  /** Ends a QUEUED or RUNNING deployment; a finished one is a conflict (returns false). */
  finishDeployment(id: string, status: Exclude<DeploymentRunStatus, 'QUEUED' | 'RUNNING'>, message: string | null): Promise<boolean>;
  requestCancel(deploymentId: string, force: boolean): Promise<void>;
  /** Removes a waiting request (ends it CANCELED); false if it no longer waits. */
  removeWaiting(deploymentId: string): Promise<boolean>;
}

/** Writes of running deployments applied together (DeploymentRecordStore.writeJournal). */
export interface JournalWrites {
  /** Deploys to record on their services (setDeployedState), written first. */
  deployedStates: Array<{ serviceId: string; state: DeployedState }>;
  /** Steps to end; `message` undefined keeps the one the step started with. */
  finishSteps: Array<{ stepId: string; status: StepStatus; message?: string | null }>;
  /** Services to move from the status their writer knows (checked against the transition table). */
  moves: Array<{ deploymentId: string; serviceId: string; from: DeploymentStatus; to: DeploymentStatus; message: string | null }>;
  /** Steps to open (RUNNING); with `status`, a step whose work is already done, recorded ended (duration 0). */
  startSteps: Array<{ deploymentId: string; serviceId: string; name: StepName; message?: string | null; status?: Exclude<StepStatus, 'RUNNING'> }>;
}

export interface JournalWritten {
  /** Services of `moves` that were not in `from` (another writer moved them): untouched. */
  notMoved: string[];
  /** Steps of `finishSteps` that do not exist. */
  missingSteps: string[];
  /** The ids of the steps started, in the order of `startSteps`. */
  stepIds: string[];
}

/** What a deployment records while it runs, and reads back. */
export interface DeploymentRecordStore {
  getDeployment(id: string): Promise<Deployment | undefined>;
  getDeploymentDetail(id: string): Promise<DeploymentDetail | undefined>;
  listDeployments(filter: { environmentId?: string; serviceId?: string }, page: { limit: number; cursor?: string }): Promise<Page<Deployment>>;
  /**
   * The services each deployment recorded once it started (in their order), with the names they
   * had then: a service deleted since keeps its name here. Deployments that recorded none are absent.
   */
  deploymentServiceNames(deploymentIds: readonly string[]): Promise<Map<string, Array<{ serviceId: string; name: string }>>>;
  /** Records the services of a started deployment with their stage and version to deploy. */
  recordDeploymentServices(deploymentId: string, services: Array<Omit<DeploymentServiceRecord, 'steps'>>): Promise<void>;
  /** A service's status in this deployment; DEPLOYED also keeps the version and spec it deployed. */
  setDeploymentServiceStatus(deploymentId: string, serviceId: string, status: DeploymentStatus): Promise<void>;
  /** The services that ended DEPLOYED in this deployment, with what they deployed. */
  deployedServicesOf(deploymentId: string): Promise<DeployedServiceRecord[]>;
  /** Starts a step; returns its id for finishStep. */
  startStep(deploymentId: string, serviceId: string, name: StepName, message?: string): Promise<string>;
  finishStep(stepId: string, status: StepStatus, message?: string | null): Promise<void>;
  /**
   * Running deployments' status and step writes of one moment, in one transaction, one
   * statement per kind of write and value (src/store/journal-writes.ts). A move is
   * moveServiceStatus followed by setDeploymentServiceStatus for the services that moved.
   */
  writeJournal(writes: JournalWrites): Promise<JournalWritten>;
  appendLog(deploymentId: string, line: Omit<LogLine, 'seq'>): Promise<void>;
  /** Several lines in one statement, numbered in their order. */
  appendLogs(deploymentId: string, lines: ReadonlyArray<Omit<LogLine, 'seq'>>): Promise<void>;
  readLogs(deploymentId: string, afterSeq?: number, limit?: number): Promise<LogLine[]>;
}

/** Cron job runs. */
export interface JobRunStore {
  /** null when the tick already has a run, or a run of the service is still RUNNING (started after staleBefore). */
  startJobRun(input: { serviceId: string; environmentId: string; scheduledFor: string; version: string | null; staleBefore: string }): Promise<JobRun | null>;
  finishJobRun(id: string, result: { status: Exclude<JobRunStatus, 'RUNNING'>; exitCode: number | null; message: string | null }): Promise<void>;
  /** Newest first. */
  listJobRuns(serviceId: string, limit?: number): Promise<JobRun[]>;
  getJobRun(id: string): Promise<JobRun | undefined>;
  appendJobRunLog(runId: string, line: { ts: string; level: LogLevel; message: string }): Promise<void>;
  readJobRunLogs(runId: string): Promise<JobRunLogLine[]>;
}

/** CPU and memory of a service's instances together, at one sampling (docs/api.md#metrics). */
export interface MetricPoint {
  ts: string;
  /** Percent of one CPU core, summed over the instances. */
  cpuPercent: number;
  memoryBytes: number;
}

/** Sampled metrics of services, kept for a bounded time. */
export interface MetricsStore {
  recordMetricPoints(points: ReadonlyArray<MetricPoint & { serviceId: string }>): Promise<void>;
  /** Oldest first, from `since` (ISO) on; at most the newest 10,000. */
  readMetricPoints(serviceId: string, since: string): Promise<MetricPoint[]>;
  /** Deletes the points older than `before` (ISO); how many went. */
  pruneMetricPoints(before: string): Promise<number>;
}

export interface NewNotification {
  projectId: string;
  name: string;
  url: string;
  events: NotificationEvent[];
  format: NotificationFormat;
  secret?: string;
}

/** One event to send to one notification: a row of the outbox. */
export interface NotificationDelivery {
  id: string;
  notificationId: string;
  event: NotificationEvent;
  /** The body sent (JSON text). */
  payload: string;
  status: DeliveryStatus;
  tries: number;
  nextTryAt: string;
  createdAt: string;
  endedAt: string | null;
}

export interface NotificationTry {
  number: number;
  startedAt: string;
  durationMs: number;
  /** The receiver's answer; null when none came (refused address, timeout, connection error). */
  statusCode: number | null;
  error: string | null;
}

/** A delivery this process claimed, with what it needs to send it. */
export interface ClaimedDelivery extends NotificationDelivery {
  url: string;
  /** Clear, to sign; never logged. */
  secret: string | null;
}

/** Notifications and their outbox (docs/notifications.md). */
export interface NotificationStore {
  /** CONFLICT when the project has a notification of that name. */
  createNotification(input: NewNotification): Promise<Notification>;
  listNotifications(projectId: string): Promise<Notification[]>;
  getNotification(id: string): Promise<Notification | undefined>;
  /** Its deliveries go with it. */
  deleteNotification(id: string): Promise<boolean>;
  /**
   * Deployments that ended at or after `since` in projects with a notification, oldest first
   * (a process that died before queueing a deployment's end finds it again at its start).
   */
  endedDeploymentsToNotify(since: string): Promise<Array<{ deploymentId: string; projectId: string; status: DeploymentRunStatus; endedAt: string }>>;
  /**
   * Queues the event for the notification; nothing when that notification has it queued
   * already (same eventKey), so an event seen by several processes is sent once.
   */
  enqueueDelivery(input: { notificationId: string; event: NotificationEvent; eventKey: string; payload: string }): Promise<boolean>;
  /** The oldest PENDING delivery that is due and not leased, leased to `owner` now. */
  claimDelivery(owner: string, leaseMs: number): Promise<ClaimedDelivery | undefined>;
  /**
   * Records a try of a delivery this owner holds and ends its lease: DELIVERED, FAILED, or
   * PENDING again at `nextTryAt`. false when the owner no longer held it.
   */
  recordTry(deliveryId: string, owner: string, tried: NotificationTry, next: { status: DeliveryStatus; nextTryAt: string | null }): Promise<boolean>;
  /** Newest first, each with its tries in order. */
  listDeliveries(notificationId: string, limit: number): Promise<Array<NotificationDelivery & { tryLog: NotificationTry[] }>>;
}

export interface Store
  extends ProjectStore,
    NotificationStore,
    TokenStore,
    EnvironmentStore,
    PreviewStore,
    StageStore,
    ServiceStore,
    VariableStore,
    AuditStore,
    HostPortStore,
    QueueStore,
    DeploymentRecordStore,
    JobRunStore,
    MetricsStore {
  close(): Promise<void>;
}
