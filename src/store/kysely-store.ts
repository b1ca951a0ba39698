import type {
  DeliveryStatus,
  DeployedSpec,
  DeploymentRunStatus,
  DeploymentStatus,
  Environment,
  EnvironmentSettings,
  EnvVar,
  LogLevel,
  Notification,
  NotificationEvent,
  EnvironmentPreview,
  PreviewRecord,
  Project,
  ProjectPreviews,
  RuntimeKind,
  ScopedVariables,
  Service,
  ServiceType,
  Stage,
  StepName,
  StepStatus,
} from '../domain/index.js';
import { AuditRepository } from './audit.js';
import type { StoreContext } from './context.js';
import { DeploymentsRepository } from './deployments.js';
import { JournalWritesRepository } from './journal-writes.js';
import { EnvironmentsRepository } from './environments.js';
import { HostPortsRepository } from './host-ports.js';
import { LogsRepository } from './logs.js';
import { JobRunsRepository } from './job-runs.js';
import { StagesRepository } from './stages.js';
import { ProjectsTokensRepository } from './projects-tokens.js';
import { QueueRepository } from './queue.js';
import { ServicesRepository } from './services.js';
import { VariablesRepository } from './variables.js';
import { ServiceMetricsRepository } from './service-metrics.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.js';
import { NotificationsRepository } from './notifications.js';
import { PreviewsRepository } from './previews.js';
import type {
  AuditEvent,
  AuditFilter,
  ClaimedDelivery,
  DeployedServiceRecord,
  DeployedState,
  Deployment,
  DeploymentDetail,
  DeploymentServiceRecord,
  EnqueueResult,
  JobRun,
  JobRunLogLine,
  JobRunStatus,
  JournalWrites,
  JournalWritten,
  LogLine,
  MetricPoint,
  NewRequest,
  NewNotification,
  NewService,
  NotificationDelivery,
  NotificationTry,
  Page,
  Role,
  ServicePatch,
  ServiceState,
  ServiceSummary,
  Store,
  Token,
  VariableOwner,
} from './store.js';

/** The Store on Kysely (SQLite or PostgreSQL): one repository per concern, composed here. */
export class KyselyStore implements Store {
  private readonly projects: ProjectsTokensRepository;
  private readonly environments: EnvironmentsRepository;
  private readonly services: ServicesRepository;
  private readonly hostPorts: HostPortsRepository;
  private readonly queue: QueueRepository;
  private readonly deployments: DeploymentsRepository;
  private readonly journalWrites: JournalWritesRepository;
  private readonly logs: LogsRepository;
  private readonly jobRuns: JobRunsRepository;
  private readonly stages: StagesRepository;
  private readonly webhookDeliveries: WebhookDeliveriesRepository;
  private readonly variables: VariablesRepository;
  private readonly audit: AuditRepository;
  private readonly metrics: ServiceMetricsRepository;
  private readonly notifications: NotificationsRepository;
  private readonly previews: PreviewsRepository;

  constructor(private readonly ctx: StoreContext) {
    this.projects = new ProjectsTokensRepository(ctx);
    this.environments = new EnvironmentsRepository(ctx);
    this.services = new ServicesRepository(ctx);
    this.hostPorts = new HostPortsRepository(ctx);
    this.queue = new QueueRepository(ctx);
    this.deployments = new DeploymentsRepository(ctx);
    this.journalWrites = new JournalWritesRepository(ctx);
    this.logs = new LogsRepository(ctx);
    this.jobRuns = new JobRunsRepository(ctx);
    this.stages = new StagesRepository(ctx);
    this.webhookDeliveries = new WebhookDeliveriesRepository(ctx);
    this.variables = new VariablesRepository(ctx);
    this.audit = new AuditRepository(ctx);
    this.metrics = new ServiceMetricsRepository(ctx);
    this.notifications = new NotificationsRepository(ctx);
    this.previews = new PreviewsRepository(ctx);
  }

  // Sampled metrics.
  recordMetricPoints(points: ReadonlyArray<MetricPoint & { serviceId: string }>): Promise<void> {
    return this.metrics.recordMetricPoints(points);
  }
  readMetricPoints(serviceId: string, since: string): Promise<MetricPoint[]> {
    return this.metrics.readMetricPoints(serviceId, since);
  }
  pruneMetricPoints(before: string): Promise<number> {
    return this.metrics.pruneMetricPoints(before);
  }

  // Projects, tokens.
  createProject(input: { name: string }): Promise<Project & { webhookSecret: string }> {
    return this.projects.createProject(input);
  }
  listProjects(): Promise<Project[]> {
    return this.projects.listProjects();
  }
  getProject(id: string): Promise<Project | undefined> {
    return this.projects.getProject(id);
  }
  updateProject(id: string, patch: { name?: string; previews?: ProjectPreviews | null }): Promise<Project> {
    return this.projects.updateProject(id, patch);
  }

  // Preview environments.
  getPreviewRecord(projectId: string, number: number): Promise<PreviewRecord | undefined> {
    return this.previews.getPreviewRecord(projectId, number);
  }
  savePreviewRecord(record: Omit<PreviewRecord, 'revision'>, readRevision: number | null): Promise<boolean> {
    return this.previews.savePreviewRecord(record, readRevision);
  }
  setEnvironmentPreview(id: string, preview: EnvironmentPreview): Promise<void> {
    return this.environments.setEnvironmentPreview(id, preview);
  }
  getWebhookSecret(projectId: string): Promise<string | undefined> {
    return this.projects.getWebhookSecret(projectId);
  }
  recordWebhookDelivery(keys: readonly string[]): Promise<boolean> {
    return this.webhookDeliveries.recordWebhookDelivery(keys);
  }
  forgetWebhookDelivery(keys: readonly string[]): Promise<void> {
    return this.webhookDeliveries.forgetWebhookDelivery(keys);
  }
  createToken(input: { name: string; role: Role; secret?: string; projects?: string[] }): Promise<Token & { token: string }> {
    return this.projects.createToken(input);
  }
  listTokens(): Promise<Token[]> {
    return this.projects.listTokens();
  }
  deleteToken(id: string): Promise<boolean> {
    return this.projects.deleteToken(id);
  }
  authenticate(secret: string): Promise<Token | undefined> {
    return this.projects.authenticate(secret);
  }
  upgradeTokenHash(secret: string): Promise<boolean> {
    return this.projects.upgradeTokenHash(secret);
  }
  countTokens(): Promise<number> {
    return this.projects.countTokens();
  }

  // Environments.
  createEnvironment(input: {
    projectId: string;
    name: string;
    runtime: RuntimeKind;
    settings: EnvironmentSettings;
  }): Promise<Environment> {
    return this.environments.createEnvironment(input);
  }
  listEnvironments(projectId: string): Promise<Environment[]> {
    return this.environments.listEnvironments(projectId);
  }
  getEnvironment(id: string): Promise<Environment | undefined> {
    return this.environments.getEnvironment(id);
  }
  updateEnvironment(id: string, patch: { name?: string; settings?: Partial<EnvironmentSettings> }): Promise<Environment> {
    return this.environments.updateEnvironment(id, patch);
  }
  deleteEnvironment(id: string): Promise<void> {
    return this.environments.deleteEnvironment(id);
  }
  listStages(environmentId: string): Promise<Stage[]> {
    return this.environments.listStages(environmentId);
  }

  // Services.
  createService(input: NewService): Promise<Service> {
    return this.services.createService(input);
  }
  listServicesOfType(type: ServiceType): Promise<Service[]> {
    return this.services.listServicesOfType(type);
  }

  listServices(environmentId: string): Promise<Service[]> {
    return this.services.listServices(environmentId);
  }

  listServiceSummaries(environmentId: string): Promise<ServiceSummary[]> {
    return this.services.listServiceSummaries(environmentId);
  }

  deployedSpecsOf(serviceIds: readonly string[]): Promise<Map<string, DeployedSpec>> {
    return this.services.deployedSpecsOf(serviceIds);
  }

  listServiceStates(environmentId: string): Promise<ServiceState[]> {
    return this.services.listServiceStates(environmentId);
  }
  getService(id: string): Promise<Service | undefined> {
    return this.services.getService(id);
  }
  updateService(id: string, patch: ServicePatch): Promise<Service> {
    return this.services.updateService(id, patch);
  }
  deleteService(id: string): Promise<void> {
    return this.services.deleteService(id);
  }
  serviceIdsNotReady(): Promise<string[]> {
    return this.services.serviceIdsNotReady();
  }
  setServiceStatus(id: string, status: DeploymentStatus, message?: string | null): Promise<Service> {
    return this.services.setServiceStatus(id, status, message);
  }
  moveServiceStatus(id: string, from: DeploymentStatus, to: DeploymentStatus, message: string | null): Promise<boolean> {
    return this.services.moveServiceStatus(id, from, to, message);
  }
  setDeployedState(id: string, state: DeployedState): Promise<void> {
    return this.services.setDeployedState(id, state);
  }
  setTargetVersion(id: string, version: string | null): Promise<void> {
    return this.services.setTargetVersion(id, version);
  }

  // Variables of projects and environments.
  listVariables(owner: VariableOwner): Promise<EnvVar[]> {
    return this.variables.listVariables(owner);
  }
  replaceVariables(owner: VariableOwner, variables: readonly EnvVar[]): Promise<void> {
    return this.variables.replaceVariables(owner, variables);
  }
  scopedVariables(environment: Pick<Environment, 'id' | 'projectId'>): Promise<ScopedVariables> {
    return this.variables.scopedVariables(environment);
  }

  // The audit log.
  recordAudit(event: Omit<AuditEvent, 'id' | 'at'>): Promise<void> {
    return this.audit.recordAudit(event);
  }
  listAudit(filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<Page<AuditEvent>> {
    return this.audit.listAudit(filter, page);
  }

  // Host ports.
  allocateHostPort(serviceId: string, containerPort: number, range: { from: number; to: number }): Promise<number> {
    return this.hostPorts.allocateHostPort(serviceId, containerPort, range);
  }
  reallocateHostPort(serviceId: string, containerPort: number, range: { from: number; to: number }, unavailable: readonly number[]): Promise<number> {
    return this.hostPorts.reallocateHostPort(serviceId, containerPort, range, unavailable);
  }
  listHostPorts(serviceId?: string): Promise<Array<{ serviceId: string; containerPort: number; hostPort: number }>> {
    return this.hostPorts.listHostPorts(serviceId);
  }
  releaseHostPorts(serviceId: string): Promise<void> {
    return this.hostPorts.releaseHostPorts(serviceId);
  }

  // The queue.
  enqueue(input: NewRequest): Promise<EnqueueResult> {
    return this.queue.enqueue(input);
  }

  startIfIdle(input: NewRequest, owner: string, leaseMs: number): Promise<Deployment | undefined> {
    return this.queue.startIfIdle(input, owner, leaseMs);
  }
  position(deploymentId: string): Promise<number | null> {
    return this.queue.position(deploymentId);
  }
  listWaiting(environmentId: string): Promise<Deployment[]> {
    return this.queue.listWaiting(environmentId);
  }
  getRunning(environmentId: string): Promise<Deployment | undefined> {
    return this.queue.getRunning(environmentId);
  }
  environmentsReadyToRun(): Promise<string[]> {
    return this.queue.environmentsReadyToRun();
  }
  claimNext(environmentId: string, owner: string, leaseMs: number): Promise<Deployment | undefined> {
    return this.queue.claimNext(environmentId, owner, leaseMs);
  }
  renewLease(deploymentId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.queue.renewLease(deploymentId, owner, leaseMs);
  }
  listExpiredLeases(): Promise<Deployment[]> {
    return this.queue.listExpiredLeases();
  }
  takeOverLease(deploymentId: string, expiredOwner: string | null, owner: string, leaseMs: number): Promise<boolean> {
    return this.queue.takeOverLease(deploymentId, expiredOwner, owner, leaseMs);
  }
  finishDeployment(
    id: string,
    status: Exclude<DeploymentRunStatus, 'QUEUED' | 'RUNNING'>,
    message: string | null,
  ): Promise<boolean> {
    return this.queue.finishDeployment(id, status, message);
  }
  requestCancel(deploymentId: string, force: boolean): Promise<void> {
    return this.queue.requestCancel(deploymentId, force);
  }
  removeWaiting(deploymentId: string): Promise<boolean> {
    return this.queue.removeWaiting(deploymentId);
  }

  // Deployment records.
  getDeployment(id: string): Promise<Deployment | undefined> {
    return this.deployments.getDeployment(id);
  }
  getDeploymentDetail(id: string): Promise<DeploymentDetail | undefined> {
    return this.deployments.getDeploymentDetail(id);
  }
  deploymentServiceNames(deploymentIds: readonly string[]): Promise<Map<string, Array<{ serviceId: string; name: string }>>> {
    return this.deployments.deploymentServiceNames(deploymentIds);
  }

  listDeployments(
    filter: { environmentId?: string; serviceId?: string },
    page: { limit: number; cursor?: string },
  ): Promise<Page<Deployment>> {
    return this.deployments.listDeployments(filter, page);
  }
  recordDeploymentServices(deploymentId: string, services: Array<Omit<DeploymentServiceRecord, 'steps'>>): Promise<void> {
    return this.deployments.recordDeploymentServices(deploymentId, services);
  }
  setDeploymentServiceStatus(deploymentId: string, serviceId: string, status: DeploymentStatus): Promise<void> {
    return this.deployments.setDeploymentServiceStatus(deploymentId, serviceId, status);
  }
  startStep(deploymentId: string, serviceId: string, name: StepName, message?: string): Promise<string> {
    return this.deployments.startStep(deploymentId, serviceId, name, message);
  }
  finishStep(stepId: string, status: StepStatus, message?: string | null): Promise<void> {
    return this.deployments.finishStep(stepId, status, message);
  }
  writeJournal(writes: JournalWrites): Promise<JournalWritten> {
    return this.journalWrites.writeJournal(writes);
  }

  // Logs.
  appendLog(deploymentId: string, line: Omit<LogLine, 'seq'>): Promise<void> {
    return this.logs.appendLog(deploymentId, line);
  }
  appendLogs(deploymentId: string, lines: ReadonlyArray<Omit<LogLine, 'seq'>>): Promise<void> {
    return this.logs.appendLogs(deploymentId, lines);
  }
  readLogs(deploymentId: string, afterSeq?: number, limit?: number): Promise<LogLine[]> {
    return this.logs.readLogs(deploymentId, afterSeq, limit);
  }

  /** Destroys the pg pool or closes the SQLite file. */
  close(): Promise<void> {
    return this.ctx.db.destroy();
  }

  // Cron job runs.
  startJobRun(input: { serviceId: string; environmentId: string; scheduledFor: string; version: string | null; staleBefore: string }): Promise<JobRun | null> {
    return this.jobRuns.startJobRun(input);
  }
  finishJobRun(id: string, result: { status: Exclude<JobRunStatus, 'RUNNING'>; exitCode: number | null; message: string | null }): Promise<void> {
    return this.jobRuns.finishJobRun(id, result);
  }
  listJobRuns(serviceId: string, limit?: number): Promise<JobRun[]> {
    return this.jobRuns.listJobRuns(serviceId, limit);
  }
  getJobRun(id: string): Promise<JobRun | undefined> {
    return this.jobRuns.getJobRun(id);
  }
  appendJobRunLog(runId: string, line: { ts: string; level: LogLevel; message: string }): Promise<void> {
    return this.jobRuns.appendJobRunLog(runId, line);
  }
  readJobRunLogs(runId: string): Promise<JobRunLogLine[]> {
    return this.jobRuns.readJobRunLogs(runId);
  }

  // Notifications and their outbox.
  createNotification(input: NewNotification): Promise<Notification> {
    return this.notifications.createNotification(input);
  }
  listNotifications(projectId: string): Promise<Notification[]> {
    return this.notifications.listNotifications(projectId);
  }
  getNotification(id: string): Promise<Notification | undefined> {
    return this.notifications.getNotification(id);
  }
  deleteNotification(id: string): Promise<boolean> {
    return this.notifications.deleteNotification(id);
  }
  endedDeploymentsToNotify(since: string): Promise<Array<{ deploymentId: string; projectId: string; status: DeploymentRunStatus; endedAt: string }>> {
    return this.notifications.endedDeploymentsToNotify(since);
  }

  enqueueDelivery(input: { notificationId: string; event: NotificationEvent; eventKey: string; payload: string }): Promise<boolean> {
    return this.notifications.enqueueDelivery(input);
  }
  claimDelivery(owner: string, leaseMs: number): Promise<ClaimedDelivery | undefined> {
    return this.notifications.claimDelivery(owner, leaseMs);
  }
  recordTry(deliveryId: string, owner: string, tried: NotificationTry, next: { status: DeliveryStatus; nextTryAt: string | null }): Promise<boolean> {
    return this.notifications.recordTry(deliveryId, owner, tried, next);
  }
  listDeliveries(notificationId: string, limit: number): Promise<Array<NotificationDelivery & { tryLog: NotificationTry[] }>> {
    return this.notifications.listDeliveries(notificationId, limit);
  }
  deployedServicesOf(deploymentId: string): Promise<DeployedServiceRecord[]> {
    return this.deployments.deployedServicesOf(deploymentId);
  }

  // User-defined stages.
  createStage(input: { environmentId: string; name: string; order: number }): Promise<Stage> {
    return this.stages.createStage(input);
  }
  getStage(id: string): Promise<(Stage & { environmentId: string }) | undefined> {
    return this.stages.getStage(id);
  }
  updateStage(id: string, patch: { name?: string; order?: number }): Promise<void> {
    return this.stages.updateStage(id, patch);
  }
  deleteStage(id: string): Promise<void> {
    return this.stages.deleteStage(id);
  }
}
