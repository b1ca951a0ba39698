/**
 * The shapes of Slipway's API v1 the console reads. The responses' types come from the API's own
 * schemas (src/api/schemas): `import type` only, so no server code reaches the bundle.
 */
import type { Static } from '@sinclair/typebox';
import type { DatabaseSourceSchema, GitSourceSchema, ImageSourceSchema, JobSourceSchema } from '../../../src/api/schemas/service.js';
import type { ActionAccepted as ActionAcceptedSchema } from '../../../src/api/schemas/common.js';
import type { RoleSchema } from '../../../src/api/schemas/project.js';
import type { DeliveryView, NotificationView } from '../../../src/api/schemas/notification.js';
import type { RollbackPreview as RollbackPreviewSchema } from '../../../src/api/schemas/rollback.js';
import type { DatabaseConnectionView, InstanceView, MetricsView, RuntimeLogLine as RuntimeLogLineSchema } from '../../../src/api/schemas/observe.js';
import type { JobRunLogs, JobRunView } from '../../../src/api/schemas/job-run.js';
import type { EffectiveEnvView, VariablesView } from '../../../src/api/schemas/variables.js';
import type { AuditEventView } from '../../../src/api/schemas/audit.js';
import type { TokenView } from '../../../src/api/schemas/views.js';
import type {
  ActionAvailabilityViewT,
  OutdatedServicesViewT,
  DeploymentDetailViewT,
  DeploymentViewT,
  EnvironmentViewT,
  LogLineViewT,
  ProjectViewT,
  QueueViewT,
  RunningStateViewT,
  ServiceViewT,
  StepViewT,
  VersionsViewT,
} from '../../../src/api/schemas/views.js';

export type Role = Static<typeof RoleSchema>;
export type Project = ProjectViewT;
export type Environment = EnvironmentViewT;
export type Service = ServiceViewT;
export type ServiceType = Service['type'];
export type ServiceSettings = Service['settings'];
export type ServiceSource = Service['source'];
export type GitSource = Static<typeof GitSourceSchema>;
export type ImageSource = Static<typeof ImageSourceSchema>;
export type DatabaseSource = Static<typeof DatabaseSourceSchema>;
export type JobSource = Static<typeof JobSourceSchema>;
export type RunningState = RunningStateViewT;
export type ActionAvailability = ActionAvailabilityViewT;
export type ActionId = ActionAvailability['action'];
export type ActionAccepted = Static<typeof ActionAcceptedSchema>;
export type Deployment = DeploymentViewT;
export type DeploymentDetail = DeploymentDetailViewT;
export type Queue = QueueViewT;
export type Step = StepViewT;
export type LogLine = LogLineViewT;
/** A tag (image services) or a commit (git services). */
export type VersionItem = VersionsViewT['items'][number];
export type OutdatedService = OutdatedServicesViewT['items'][number];
export type Notification = Static<typeof NotificationView>;
export type NotificationEvent = Notification['events'][number];
export type Delivery = Static<typeof DeliveryView>;
export type RollbackPreview = Static<typeof RollbackPreviewSchema>;
/** One instance of `GET /services/{id}/instances`. */
export type Instance = Static<typeof InstanceView>;
/** One NDJSON line of `GET /services/{id}/logs`. */
export type RuntimeLogLine = Static<typeof RuntimeLogLineSchema>;
export type Metrics = Static<typeof MetricsView>;
export type DatabaseConnection = Static<typeof DatabaseConnectionView>;
export type MetricsPoint = Metrics['points'][number];
export type JobRun = Static<typeof JobRunView>;
export type JobRunLogLine = Static<typeof JobRunLogs>['items'][number];
/** `GET /whoami`: the signed-in token; `projects` when it is limited to some. */
export type Me = Static<typeof TokenView>;
/** One variable of a project or an environment (`GET …/variables`); secret values are the mask. */
export type Variable = Static<typeof VariablesView>['items'][number];
/** One entry of `GET /services/{id}/env`: a value with the scope it comes from. */
export type EffectiveVariable = Static<typeof EffectiveEnvView>['items'][number];
export type AuditEvent = Static<typeof AuditEventView>;
/** The filters of `GET /audit` the console offers. */
export interface AuditQuery {
  tokenName?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  since?: string;
  until?: string;
  cursor?: string;
  limit?: number;
}

// What follows has no response schema in the API: an error's details, and the events.

/** One entry of a VALIDATION_FAILED error's details. */
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
  | { type: 'deployment.log'; projectId: string; environmentId: string; deploymentId: string }
  | { type: 'queue.changed'; projectId: string; environmentId: string; deploymentId: string; change: 'queued' | 'merged' | 'removed' }
  | { type: 'job.run'; projectId: string; environmentId: string; serviceId: string; runId: string; status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' };
