import type {
  ActionAccepted,
  ActionAvailability,
  AuditEvent,
  AuditQuery,
  EffectiveVariable,
  Me,
  Variable,
  Delivery,
  Deployment,
  DeploymentDetail,
  Environment,
  DatabaseConnection,
  FieldError,
  Instance,
  JobRun,
  JobRunLogLine,
  Metrics,
  LogLine,
  Notification,
  OutdatedService,
  Project,
  Queue,
  RollbackPreview,
  Service,
  VersionItem,
} from './types.js';

export const API_BASE = '/api/v1';

/** An error answer of the API (`{ error: { code, message, details? } }`), or a network failure. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

function fieldErrors(details: unknown): FieldError[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is FieldError => typeof d === 'object' && d !== null && typeof (d as FieldError).field === 'string' && typeof (d as FieldError).message === 'string',
  );
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A tiny typed client of the API v1; every request carries the token and says it comes from the console. */
export class SlipwayClient {
  constructor(readonly token: string) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, 'x-slipway-origin': 'CONSOLE', ...extra };
  }

  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${API_BASE}${path}`, {
        method,
        headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ApiRequestError(0, 'NETWORK', `cannot reach Slipway (${err instanceof Error ? err.message : String(err)})`);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): reported below with the status.
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      throw new ApiRequestError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`, fieldErrors(error?.details));
    }
    return json as T;
  }

  /** The signed-in token: its role and the projects it is limited to (if any), which decide what the console offers. */
  whoami = () => this.request<Me>('GET', '/whoami');

  projects = () => this.request<{ items: Project[] }>('GET', '/projects').then((r) => r.items);
  project = (id: string) => this.request<Project>('GET', `/projects/${id}`);
  createProject = (body: { name: string }) => this.request<Project & { webhookSecret: string }>('POST', '/projects', body);
  updateProject = (id: string, body: { name: string }) => this.request<Project>('PATCH', `/projects/${id}`, body);

  environments = (projectId: string) => this.request<{ items: Environment[] }>('GET', `/projects/${projectId}/environments`).then((r) => r.items);
  environment = (id: string) => this.request<Environment>('GET', `/environments/${id}`);
  createEnvironment = (projectId: string, body: unknown) => this.request<Environment>('POST', `/projects/${projectId}/environments`, body);
  updateEnvironment = (id: string, body: unknown) => this.request<Environment>('PATCH', `/environments/${id}`, body);
  cloneEnvironment = (id: string, body: { name: string; runtime?: string }) => this.request<Environment>('POST', `/environments/${id}/clone`, body);

  services = (environmentId: string) => this.request<{ items: Service[] }>('GET', `/environments/${environmentId}/services`).then((r) => r.items);
  service = (id: string) => this.request<Service>('GET', `/services/${id}`);
  createService = (environmentId: string, body: unknown) => this.request<Service>('POST', `/environments/${environmentId}/services`, body);
  updateService = (id: string, body: unknown) => this.request<Service>('PATCH', `/services/${id}`, body);

  serviceActions = (id: string) => this.request<ActionAvailability[]>('GET', `/services/${id}/actions`);
  environmentActions = (id: string) => this.request<ActionAvailability[]>('GET', `/environments/${id}/actions`);
  versions = (serviceId: string) => this.request<{ items: VersionItem[] }>('GET', `/services/${serviceId}/versions?limit=100`).then((r) => r.items);
  outdated = (environmentId: string) =>
    this.request<{ items: OutdatedService[] }>('GET', `/environments/${environmentId}/outdated-services`).then((r) => r.items);

  /** POST /services/{id}/<action> or /environments/{id}/<action>. */
  act = (level: 'services' | 'environments', id: string, action: string, body?: unknown) =>
    this.request<ActionAccepted>('POST', `/${level}/${id}/${action}`, body);
  remove = (level: 'services' | 'environments', id: string, keepData: boolean) =>
    this.request<ActionAccepted>('DELETE', `/${level}/${id}?keepData=${keepData}`);
  deployLatest = (environmentId: string, serviceIds: string[]) =>
    this.request<ActionAccepted>('POST', `/environments/${environmentId}/deploy-latest`, { serviceIds });

  queue = (environmentId: string) => this.request<Queue>('GET', `/environments/${environmentId}/queue`);
  removeWaiting = (requestId: string) => this.request<void>('DELETE', `/deployment-requests/${requestId}`);

  environmentDeployments = (environmentId: string, limit = 20) =>
    this.request<{ items: Deployment[] }>('GET', `/environments/${environmentId}/deployments?limit=${limit}`).then((r) => r.items);
  serviceDeployments = (serviceId: string, limit = 1) =>
    this.request<{ items: Deployment[] }>('GET', `/services/${serviceId}/deployments?limit=${limit}`).then((r) => r.items);
  deployment = (id: string) => this.request<DeploymentDetail>('GET', `/deployments/${id}`);
  logs = (id: string) => this.request<{ items: LogLine[] }>('GET', `/deployments/${id}/logs`).then((r) => r.items);
  rollbackPreview = (deploymentId: string) => this.request<RollbackPreview>('GET', `/deployments/${deploymentId}/rollback`);
  rollback = (deploymentId: string) => this.request<ActionAccepted>('POST', `/deployments/${deploymentId}/rollback`);

  notifications = (projectId: string) => this.request<{ items: Notification[] }>('GET', `/projects/${projectId}/notifications`).then((r) => r.items);
  createNotification = (projectId: string, body: unknown) => this.request<Notification>('POST', `/projects/${projectId}/notifications`, body);
  deleteNotification = (id: string) => this.request<void>('DELETE', `/notifications/${id}`);
  instances = (serviceId: string) => this.request<Instance[]>('GET', `/services/${serviceId}/instances`);
  metrics = (serviceId: string, window = '1h') => this.request<Metrics>('GET', `/services/${serviceId}/metrics?window=${encodeURIComponent(window)}`);
  jobRuns = (serviceId: string, limit = 20) => this.request<{ items: JobRun[] }>('GET', `/services/${serviceId}/runs?limit=${limit}`).then((r) => r.items);
  databaseConnection = (serviceId: string) => this.request<DatabaseConnection>('GET', `/services/${serviceId}/connection`);
  jobRunLogs = (runId: string) => this.request<{ items: JobRunLogLine[] }>('GET', `/job-runs/${runId}/logs`).then((r) => r.items);

  variables = (scope: 'projects' | 'environments', id: string) => this.request<{ items: Variable[] }>('GET', `/${scope}/${id}/variables`).then((r) => r.items);
  /** Replaces the whole list; a secret sent back as the mask keeps its value. */
  setVariables = (scope: 'projects' | 'environments', id: string, items: Variable[]) =>
    this.request<{ items: Variable[] }>('PUT', `/${scope}/${id}/variables`, items).then((r) => r.items);
  serviceEnv = (serviceId: string) => this.request<{ items: EffectiveVariable[] }>('GET', `/services/${serviceId}/env`).then((r) => r.items);
  audit = (query: AuditQuery) => {
    const params = new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, String(v)]])));
    return this.request<{ items: AuditEvent[]; nextCursor?: string }>('GET', `/audit?${params.toString()}`);
  };

  deliveries = (notificationId: string) => this.request<{ items: Delivery[] }>('GET', `/notifications/${notificationId}/deliveries`).then((r) => r.items);
}
