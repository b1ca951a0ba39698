import type { ColumnType } from 'kysely';

/**
 * The tables as Kysely sees them. Column values differ a little between SQLite and PostgreSQL
 * (booleans are 0/1 in SQLite, JSON is text in SQLite and parsed jsonb in PostgreSQL, 64-bit
 * integers come back as strings from pg); the `Db*` types admit both and `dialect.ts` converts.
 */

/** Written as `flavor.bool(b)`, read back through `Boolean(v)`. */
export type DbBool = ColumnType<boolean | number, boolean | number, boolean | number>;
/** Written as a JSON string, read back through `parseJson(v)`. */
export type DbJson = ColumnType<unknown, string, string>;
/** An autoincrement or count read back through `toNumber(v)`. */
export type DbSerial = ColumnType<number | string | bigint, never, never>;

export interface ProjectsTable {
  id: string;
  name: string;
  /** Encrypted like secret env values: it signs webhooks, so it must be readable again. */
  webhook_secret: string;
  created_at: string;
  /** null: no previews; else ProjectPreviews. */
  previews: DbJson | null;
}

export interface TokensTable {
  id: string;
  name: string;
  role: string;
  /**
   * SHA-256 of the secret, hex, for generated tokens; `scrypt$…` (salted, slow) for a secret a
   * person chose (the bootstrap token). The secret itself is never stored.
   */
  token_hash: string;
  created_at: string;
  /** JSON array of the project ids the token is limited to; null: every project (migration 0005). */
  projects: DbJson | null;
}

export interface EnvironmentsTable {
  id: string;
  project_id: string;
  name: string;
  runtime: string;
  settings: DbJson;
  created_at: string;
  /** null: not a preview; else EnvironmentPreview. */
  preview: DbJson | null;
}

export interface StagesTable {
  id: string;
  environment_id: string;
  name: string;
  /** "order" is a reserved word in SQL. */
  sort_order: number;
}

export interface ServicesTable {
  id: string;
  environment_id: string;
  name: string;
  type: string;
  source: DbJson;
  /** Secret env values are stored encrypted (see secrets.ts). */
  settings: DbJson;
  status: string;
  status_message: string | null;
  deployed_version: string | null;
  target_version: string | null;
  deployed_spec_hash: string | null;
  /** deployedSpecDigest of the deployed spec (src/domain/deployed-spec.ts), in clear. */
  deployed_spec_digest: string | null;
  /** configDigest of the deployed spec (src/domain/pending-changes.ts), in clear. */
  deployed_config_digest: string | null;
  stage_id: string | null;
  skip_environment_actions: DbBool;
  created_at: string;
  updated_at: string;
}

/** What a service's last deploy applied, kept apart from its row (which every status move rewrites). */
export interface ServiceDeployedSpecsTable {
  service_id: string;
  /** The DeployedSpec as JSON, encrypted whole (it holds secret values): see secrets.ts. */
  spec: string;
}

/** Every spec a service was deployed with, by its digest: what deployments' records name (migration 0011). */
export interface DeployedSpecsTable {
  service_id: string;
  /** deployedSpecDigest of the spec, as services.deployed_spec_digest. */
  digest: string;
  /** The DeployedSpec as JSON, encrypted whole and bound to the service, as service_deployed_specs.spec. */
  spec: string;
}

export interface HostPortsTable {
  service_id: string;
  container_port: number;
  host_port: number;
}

export interface DeploymentsTable {
  /** FIFO order of the queue and the order of history: never a timestamp. */
  seq: DbSerial;
  id: string;
  environment_id: string;
  request: DbJson;
  /** requestKey(request): identical waiting requests merge (partial unique index). */
  request_key: string;
  /** ",id1,id2," — the services the request names, for the history filter by service. */
  request_services: string;
  origin: string;
  triggered_by: string;
  status: string;
  message: string | null;
  cancel_requested: DbBool;
  force_cancel: DbBool;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface DeploymentServicesTable {
  deployment_id: string;
  service_id: string;
  /** The order the services were recorded in: stages and services are shown in that order. */
  ordinal: number;
  name: string;
  type: string;
  stage_name: string;
  stage_order: number;
  version: string | null;
  status: string;
  /** Once the service's deploy succeeded here: the version it deployed (migration 0007). */
  deployed_version: ColumnType<string | null, string | null | undefined, string | null>;
  /** And its DeployedSpec: the digest of a row of deployed_specs (since migration 0011)… */
  deployed_spec_digest: ColumnType<string | null, string | null | undefined, string | null>;
  /** …or, in records written before, the ciphertext copied from service_deployed_specs.spec (bound to the service). */
  deployed_spec: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DeploymentStepsTable {
  id: DbSerial;
  deployment_id: string;
  service_id: string;
  name: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  message: string | null;
}

export interface DeploymentLogsTable {
  /** The line's seq. */
  id: DbSerial;
  deployment_id: string;
  ts: string;
  service_id: string | null;
  step: string | null;
  level: string;
  message: string;
}

export interface JobRunsTable {
  id: string;
  service_id: string;
  environment_id: string;
  /** The tick this run is for (ISO); unique per service. */
  scheduled_for: string;
  version: string | null;
  status: string;
  exit_code: number | null;
  message: string | null;
  started_at: string;
  ended_at: string | null;
}

export interface JobRunLogsTable {
  id: DbSerial;
  run_id: string;
  ts: string;
  level: string;
  message: string;
}

/** What was last handled for one pull request of one project (domain PreviewRecord). */
export interface PullRequestPreviewsTable {
  project_id: string;
  number: number;
  environment_id: string | null;
  branch: string;
  url: string;
  head_sha: string;
  state: string;
  action: string;
  event_at: string | null;
  message: string | null;
  revision: number;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  /** `<provider>:delivery:<id>` or `<provider>:body:<sha256>`. */
  id: string;
  received_at: string;
}

/** A variable of a project or of an environment (exactly one of the two ids is set). */
export interface VariablesTable {
  id: string;
  project_id: string | null;
  environment_id: string | null;
  key: string;
  /** Encrypted when secret (see secrets.ts). */
  value: string;
  secret: DbBool;
  /** The order the variables were given in. */
  position: number;
}

/** One audited request (docs/teams.md#audit-log): never a value, only field names. */
export interface AuditEventsTable {
  seq: DbSerial;
  id: string;
  at: string;
  token_id: string | null;
  token_name: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  project_id: string | null;
  fields: DbJson;
  method: string;
  path: string;
  status_code: number;
}

export interface ServiceMetricsTable {
  service_id: string;
  ts: string;
  cpu_percent: number;
  memory_bytes: number;
}

/** A project's webhook (docs/notifications.md); the secret is sealed like webhook secrets. */
export interface NotificationsTable {
  id: string;
  project_id: string;
  name: string;
  /** Sealed: a webhook URL often holds its token (Slack's path does). */
  url: string;
  events: DbJson;
  format: string;
  secret: string | null;
  created_at: string;
}

/** The outbox: one row per notification and event, claimed under a lease to be tried. */
export interface NotificationDeliveriesTable {
  id: string;
  notification_id: string;
  event: string;
  /** What makes the event one (e.g. `deployment:<id>:SUCCESS`): unique per notification. */
  event_key: string;
  /** The body as sent, JSON text (it names no secret). */
  payload: string;
  status: string;
  tries: number;
  next_try_at: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  ended_at: string | null;
}

export interface NotificationTriesTable {
  id: DbSerial;
  delivery_id: string;
  number: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export interface Database {
  projects: ProjectsTable;
  tokens: TokensTable;
  environments: EnvironmentsTable;
  stages: StagesTable;
  services: ServicesTable;
  service_deployed_specs: ServiceDeployedSpecsTable;
  deployed_specs: DeployedSpecsTable;
  host_ports: HostPortsTable;
  deployments: DeploymentsTable;
  deployment_services: DeploymentServicesTable;
  deployment_steps: DeploymentStepsTable;
  deployment_logs: DeploymentLogsTable;
  job_runs: JobRunsTable;
  job_run_logs: JobRunLogsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  pull_request_previews: PullRequestPreviewsTable;
  variables: VariablesTable;
  audit_events: AuditEventsTable;
  service_metrics: ServiceMetricsTable;
  notifications: NotificationsTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_tries: NotificationTriesTable;
}
