import type Docker from 'dockerode';
import { errorMessage } from '../../domain/errors.js';
import type { DependencyStatus } from '../dependency-status.js';

/** Thrown by Docker calls while the engine does not answer; the message names its address and the fix. */
export class DockerUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerUnreachableError';
  }
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5_000;

/** Socket-level failures (no engine there, refused, reset): not an answer of the engine. */
const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; syscall?: unknown; statusCode?: unknown } | null;
  if (!e || typeof e !== 'object' || e.statusCode !== undefined) return false;
  return e.syscall === 'connect' || (typeof e.code === 'string' && CONNECTION_CODES.has(e.code));
}

/** Where dockerode talks to the engine: DOCKER_HOST, else the local socket. */
export function dockerAddress(docker: Docker): string {
  // docker-modem's fields are not in dockerode's types.
  const modem = docker.modem as unknown as { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown };
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  // DOCKER_HOST unset: docker-modem finds the local socket itself (a function, run at first use).
  if (typeof modem.host !== 'string') return 'unix:///var/run/docker.sock';
  const protocol = typeof modem.protocol === 'string' ? modem.protocol : 'http';
  return `${protocol === 'https' ? 'https' : 'tcp'}://${String(modem.host)}${modem.port ? `:${String(modem.port)}` : ''}`;
}

export interface DockerConnectionOptions {
  log: (message: string, level: 'info' | 'warn') => void;
  /** Called each time the engine answers after not answering (and at the first answer). */
  onConnected: () => Promise<void>;
}

/**
 * Whether the Docker Engine answers. Slipway starts without it: the outage is logged once with
 * the address and the fix, pings retry with backoff until it answers, then "connected" is
 * logged once and onConnected picks up the engine's containers. Calls made meanwhile fail with
 * a DockerUnreachableError that says the same.
 */
export class DockerConnection {
  readonly address: string;
  /** undefined: not pinged yet. */
  private reachable: boolean | undefined;
  private reason = '';
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private pinging: Promise<boolean> | null = null;
  private closed = false;

  constructor(
    private readonly docker: Docker,
    private readonly options: DockerConnectionOptions,
  ) {
    this.address = dockerAddress(docker);
  }

  /** False only once a ping or a call found the engine away (and until it answers again). */
  get available(): boolean {
    return this.reachable !== false;
  }

  status(): DependencyStatus {
    return {
      name: 'docker',
      available: this.available,
      address: this.address,
      ...(this.available ? {} : { message: this.unreachableMessage() }),
    };
  }

  unreachableMessage(): string {
    return `the Docker Engine is unreachable at ${this.address} (${this.reason}): start Docker, or set DOCKER_HOST to its address; docker environments cannot run actions until it answers`;
  }

  /** Pings the engine now (one ping at a time); true when it answers. */
  check(): Promise<boolean> {
    this.pinging ??= this.ping().finally(() => {
      this.pinging = null;
    });
    return this.pinging;
  }

  /**
   * Runs a call on the engine. While the engine is known to be away, pings it first (it may be
   * back) and refuses with the reason if it is not; a call that fails to connect marks it away.
   */
  async call<T>(work: () => Promise<T>): Promise<T> {
    if (this.reachable === false && !(await this.check())) throw new DockerUnreachableError(this.unreachableMessage());
    try {
      return await work();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.lost(error);
      throw new DockerUnreachableError(this.unreachableMessage());
    }
  }

  /** A call on the engine failed to connect: log the outage (once) and retry until it answers. */
  lost(error: unknown): void {
    const wasReachable = this.reachable;
    this.reachable = false;
    this.reason = errorMessage(error);
    if (wasReachable !== false) this.options.log(this.unreachableMessage(), 'warn');
    this.scheduleRetry();
  }

  /** Pings the engine (see check); after a close(), the next answer counts as a new connection. */
  open(): Promise<boolean> {
    this.closed = false;
    return this.check();
  }

  close(): void {
    this.closed = true;
    this.reachable = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async ping(): Promise<boolean> {
    try {
      await this.docker.ping();
    } catch (error) {
      this.lost(error);
      return false;
    }
    if (this.reachable !== true) {
      this.reachable = true;
      this.retryMs = FIRST_RETRY_MS;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.options.log(`connected to the Docker Engine at ${this.address}`, 'info');
      try {
        await this.options.onConnected();
      } catch (error) {
        this.options.log(`picking up the Docker Engine's containers failed: ${(error as Error).message}`, 'warn');
      }
    }
    return true;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.check();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}
