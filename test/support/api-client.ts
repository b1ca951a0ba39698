/**
 * A small typed client of Slipway's HTTP API v1 for end-to-end tests. Only the fields the tests
 * read are typed; every call checks the status it expects and says what came back otherwise.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export interface ActionAccepted {
  requestId: string;
  deploymentId: string;
  position: number;
  merged: boolean;
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface Endpoint {
  port: number;
  protocol: string;
  url: string;
  /** The host name the edge serves it on (the Caddy edge). */
  host?: string;
}

export interface ServiceView {
  id: string;
  environmentId: string;
  name: string;
  type: string;
  state: string;
  statusMessage: string | null;
  runningState: { status: string; instances: Array<{ id: string; version?: string; ready: boolean }> };
  deployedVersion: string | null;
  targetVersion: string | null;
  pendingChanges: boolean;
  pendingFields: string[];
  endpoints: Endpoint[];
  source: Record<string, unknown>;
  settings: Record<string, unknown>;
}

export interface DeploymentView {
  id: string;
  environmentId: string;
  action: string;
  level: string;
  serviceIds: string[];
  origin?: string;
  status: 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'ERROR' | 'CANCELED' | 'SKIPPED';
  message: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface StepView {
  name: string;
  status: string;
  startedAt: string;
  durationMs: number | null;
  message: string | null;
}

export interface DeploymentDetailView extends DeploymentView {
  stages: Array<{
    name: string;
    order: number;
    status: string;
    services: Array<{ serviceId: string; name: string; type: string; version: string | null; status: string; steps: StepView[] }>;
  }>;
}

export interface LogLineView {
  seq: number;
  ts: string;
  serviceId: string | null;
  step: string | null;
  level: string;
  message: string;
}

export interface ActionAvailabilityView {
  action: string;
  available: boolean;
  reason?: string;
}

export const TERMINAL_DEPLOYMENT = new Set(['SUCCESS', 'ERROR', 'CANCELED', 'SKIPPED']);

export class ApiCallError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${path} answered ${status}: ${JSON.stringify(body)}`);
  }
}

export class SlipwayApi {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  /** Any call; never throws on a status (only on a network error). */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if (text && (response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: response.status, body: parsed as T };
  }

  /** A call that must answer `expected`; its body. */
  async expect<T>(expected: number, method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.call<T>(method, path, body);
    if (response.status !== expected) throw new ApiCallError(method, path, response.status, response.body);
    return response.body;
  }

  createProject(name: string): Promise<{ id: string; name: string }> {
    return this.expect(201, 'POST', '/projects', { name });
  }

  createEnvironment(projectId: string, name: string, settings?: Record<string, number>): Promise<{ id: string; projectId: string; name: string }> {
    return this.expect(201, 'POST', `/projects/${projectId}/environments`, { name, ...(settings ? { settings } : {}) });
  }

  createService(environmentId: string, body: Record<string, unknown>): Promise<ServiceView> {
    return this.expect(201, 'POST', `/environments/${environmentId}/services`, body);
  }

  patchService(serviceId: string, body: Record<string, unknown>): Promise<ServiceView> {
    return this.expect(200, 'PATCH', `/services/${serviceId}`, body);
  }

  service(serviceId: string): Promise<ServiceView> {
    return this.expect(200, 'GET', `/services/${serviceId}`);
  }

  serviceActions(serviceId: string): Promise<ActionAvailabilityView[]> {
    return this.expect(200, 'GET', `/services/${serviceId}/actions`);
  }

  versions(serviceId: string): Promise<{ items: Array<{ tag?: string }> }> {
    return this.expect(200, 'GET', `/services/${serviceId}/versions`);
  }

  /** POST /services/{id}/<action> (deploy, redeploy, stop, restart); `version` makes deploy Deploy other version. */
  serviceAction(serviceId: string, action: 'deploy' | 'redeploy' | 'stop' | 'restart', options: { version?: string; queue?: boolean } = {}): Promise<ApiResponse<ActionAccepted | ApiErrorBody>> {
    const query = options.queue === false ? '?queue=false' : '';
    const body = action === 'deploy' && options.version !== undefined ? { version: options.version } : undefined;
    return this.call('POST', `/services/${serviceId}/${action}${query}`, body);
  }

  /** An action that must be accepted (202). */
  async act(serviceId: string, action: 'deploy' | 'redeploy' | 'stop' | 'restart', options: { version?: string } = {}): Promise<ActionAccepted> {
    const response = await this.serviceAction(serviceId, action, options);
    if (response.status !== 202) throw new ApiCallError('POST', `/services/${serviceId}/${action}`, response.status, response.body);
    return response.body as ActionAccepted;
  }

  deleteService(serviceId: string): Promise<ActionAccepted> {
    return this.expect(202, 'DELETE', `/services/${serviceId}`);
  }

  environmentAction(environmentId: string, action: 'deploy' | 'redeploy' | 'stop', options: { queue?: boolean } = {}): Promise<ApiResponse<ActionAccepted | ApiErrorBody>> {
    return this.call('POST', `/environments/${environmentId}/${action}${options.queue === false ? '?queue=false' : ''}`);
  }

  async actOnEnvironment(environmentId: string, action: 'deploy' | 'redeploy' | 'stop'): Promise<ActionAccepted> {
    const response = await this.environmentAction(environmentId, action);
    if (response.status !== 202) throw new ApiCallError('POST', `/environments/${environmentId}/${action}`, response.status, response.body);
    return response.body as ActionAccepted;
  }

  cancel(environmentId: string): Promise<ApiResponse<ActionAccepted | ApiErrorBody>> {
    return this.call('POST', `/environments/${environmentId}/cancel`);
  }

  queue(environmentId: string): Promise<{ running: DeploymentView | null; items: Array<DeploymentView & { position: number }> }> {
    return this.expect(200, 'GET', `/environments/${environmentId}/queue`);
  }

  deployments(environmentId: string, limit = 100): Promise<{ items: DeploymentView[]; nextCursor?: string }> {
    return this.expect(200, 'GET', `/environments/${environmentId}/deployments?limit=${limit}`);
  }

  /** Every deployment of the environment, following the pages. */
  async allDeployments(environmentId: string): Promise<DeploymentView[]> {
    const out: DeploymentView[] = [];
    let cursor: string | undefined;
    do {
      const page: { items: DeploymentView[]; nextCursor?: string } = await this.expect(
        200,
        'GET',
        `/environments/${environmentId}/deployments?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  deployment(deploymentId: string): Promise<DeploymentDetailView> {
    return this.expect(200, 'GET', `/deployments/${deploymentId}`);
  }

  logs(deploymentId: string): Promise<{ items: LogLineView[] }> {
    return this.expect(200, 'GET', `/deployments/${deploymentId}/logs`);
  }

  environmentStatus(environmentId: string): Promise<{ id: string; state: string; services: Array<{ id: string; name: string; state: string; deployedVersion: string | null }> }> {
    return this.expect(200, 'GET', `/environments/${environmentId}/status`);
  }

  /** Polls the deployment until it ended; its detail. */
  async waitForDeployment(deploymentId: string, timeoutMs = 90_000): Promise<DeploymentDetailView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const detail = await this.deployment(deploymentId);
      if (TERMINAL_DEPLOYMENT.has(detail.status)) return detail;
      if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} (${detail.action}) still ${detail.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}
