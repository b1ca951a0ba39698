import { CliError, EXIT, exitCodeOfStatus } from './cli-error.js';
import type { Target } from './contexts.js';

/** The CLI's only way to the server: the HTTP API v1, as `fetch` calls. */

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly fieldErrors: Array<{ field: string; message: string }>,
  ) {
    super(message, exitCodeOfStatus(status), code, fieldErrors.map((f) => `${f.field}: ${f.message}`));
  }
}

export function requestUrl(base: string, request: Pick<ApiRequest, 'path' | 'query'>): string {
  const url = new URL(`${base}/api/v1${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

function fieldErrorsOf(details: unknown): Array<{ field: string; message: string }> {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is { field: string; message: string } => typeof d === 'object' && d !== null && typeof (d as { field?: unknown }).field === 'string',
  );
}

export class ApiClient {
  constructor(readonly target: Pick<Target, 'url' | 'token'>) {}

  async send<T>(request: ApiRequest): Promise<T> {
    const response = await this.raw(request);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  get<T>(path: string, query?: ApiRequest['query']): Promise<T> {
    return this.send<T>({ method: 'GET', path, ...(query ? { query } : {}) });
  }

  /** The response when it is a success, else an ApiError with the server's code and message. */
  async raw(request: ApiRequest, signal?: AbortSignal): Promise<Response> {
    const url = requestUrl(this.target.url, request);
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          authorization: `Bearer ${this.target.token}`,
          // The server records who asked: the deployment's origin is CLI.
          'x-slipway-origin': 'CLI',
          ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CliError(`cannot reach the server at ${this.target.url} (${why})`, EXIT.FAILED, 'UNREACHABLE');
    }
    if (response.ok) return response;
    let body: ErrorBody = {};
    try {
      body = (await response.json()) as ErrorBody;
    } catch {
      // Not our server's error format (a proxy's page): the status says enough.
    }
    const code = body.error?.code ?? `HTTP_${response.status}`;
    const message = body.error?.message ?? `the server answered ${response.status} ${response.statusText}`;
    throw new ApiError(response.status, code, message, fieldErrorsOf(body.error?.details));
  }
}
