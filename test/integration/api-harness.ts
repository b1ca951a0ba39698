import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { DomainError, planRollback, type ActionAvailability, type RollbackPlan, type RunningState, type Service } from '../../src/domain/index.js';
import { ActionNotAvailableError, type ControlPlane, type InstanceView, type LogsRequest, type ServiceUsageNow, type SubmitInput, type SubmitResult } from '../../src/engine/control-plane.js';
import { EventBus } from '../../src/engine/events.js';
import type { Endpoint, InstanceLogLine } from '../../src/runtime/runtime.js';
import type { GitLookup } from '../../src/api/context.js';
import { buildServer } from '../../src/api/server.js';
import { createStore } from '../../src/store/create-store.js';
import type { MetricPoint, Store } from '../../src/store/store.js';

/** A ControlPlane for API tests: queues through the real store, records calls, throws on demand. */
export class TestControlPlane implements ControlPlane {
  readonly events = new EventBus();
  readonly submits: SubmitInput[] = [];
  readonly cancels: Array<{ environmentId: string; force: boolean }> = [];
  /** Thrown by the next call to any method, then cleared. */
  failNext: Error | null = null;
  running: RunningState = { status: 'RUNNING', instances: [] };
  endpointList: Endpoint[] = [];
  /** What managedDatabasesConfigured() answers. */
  managedDatabases = false;
  /** What instances(), logs(), metrics() and currentUsage() answer. */
  instanceList: InstanceView[] = [];
  logLines: InstanceLogLine[] = [];
  readonly logRequests: LogsRequest[] = [];
  metricPoints: MetricPoint[] = [];
  usageNow: ServiceUsageNow[] = [];

  constructor(private readonly store: Store) {}

  private maybeFail(): void {
    const e = this.failNext;
    this.failNext = null;
    if (e) throw e;
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    this.submits.push(input);
    this.maybeFail();
    const { deployment, merged } = await this.store.enqueue({
      environmentId: input.environmentId,
      request: {
        action: input.action,
        level: input.serviceId || input.rollbackOf ? 'service' : 'environment',
        serviceIds: input.serviceId ? [input.serviceId] : (input.serviceIds ?? []),
        versions: input.serviceId && input.version ? { [input.serviceId]: input.version } : (input.versions ?? {}),
        ...(input.keepData ? { keepData: true } : {}),
        ...(input.rollbackOf ? { rollbackOf: input.rollbackOf } : {}),
      },
      origin: input.origin,
      triggeredBy: input.triggeredBy,
    });
    return { requestId: deployment.id, deploymentId: deployment.id, position: (await this.store.position(deployment.id)) ?? 0, merged };
  }

  async cancel(environmentId: string, options: { force: boolean }): Promise<{ deploymentId: string }> {
    this.cancels.push({ environmentId, ...options });
    this.maybeFail();
    const running = await this.store.getRunning(environmentId);
    return { deploymentId: running?.id ?? '00000000-0000-4000-8000-000000000000' };
  }

  async serviceActions(_serviceId: string): Promise<ActionAvailability[]> {
    this.maybeFail();
    return [{ action: 'DEPLOY', available: true }, { action: 'RESTART', available: false, reason: 'never deployed' }];
  }

  async environmentActions(_environmentId: string): Promise<ActionAvailability[]> {
    this.maybeFail();
    return [{ action: 'DEPLOY', available: true }];
  }

  runningState(_service: Pick<Service, 'id' | 'status'>): RunningState {
    this.maybeFail();
    return this.running;
  }

  async endpoints(_serviceId: string): Promise<Endpoint[]> {
    this.maybeFail();
    return this.endpointList;
  }

  managedDatabasesConfigured(): boolean {
    return this.managedDatabases;
  }

  async serviceHost(serviceId: string): Promise<string> {
    this.maybeFail();
    return (await this.store.getService(serviceId))?.name ?? serviceId;
  }

  async instances(_serviceId: string): Promise<InstanceView[]> {
    this.maybeFail();
    return this.instanceList;
  }

  async logs(_serviceId: string, request: LogsRequest): Promise<AsyncIterable<InstanceLogLine>> {
    this.logRequests.push(request);
    this.maybeFail();
    const lines = this.logLines;
    return (async function* () {
      yield* lines;
    })();
  }

  async metrics(_serviceId: string, since: string): Promise<{ available: boolean; intervalSeconds: number; points: MetricPoint[] }> {
    this.maybeFail();
    return { available: true, intervalSeconds: 15, points: this.metricPoints.filter((p) => p.ts >= since) };
  }

  currentUsage(): ServiceUsageNow[] {
    return this.usageNow;
  }

  /** The engine's own answer (the domain's planRollback on the store), so API tests see real refusals. */
  async rollbackPlan(deploymentId: string): Promise<RollbackPlan & { environmentId: string }> {
    this.maybeFail();
    const deployment = await this.store.getDeployment(deploymentId);
    if (!deployment) throw new DomainError('NOT_FOUND', 'deployment not found');
    const result = planRollback(deployment, await this.store.deployedServicesOf(deploymentId), await this.store.listServices(deployment.environmentId));
    if ('refused' in result) throw new ActionNotAvailableError(`ROLLBACK is not available: ${result.refused}`, { action: 'ROLLBACK', reason: result.refused });
    return { ...result.plan, environmentId: deployment.environmentId };
  }
}

export interface Harness {
  app: FastifyInstance;
  store: Store;
  cp: TestControlPlane;
  tokens: { admin: string; deployer: string; viewer: string };
  imageTags: string[];
  /** The store's directory (its SQLite file is slipway.db): tests that must bypass the store write there. */
  dataDir: string;
  close(): Promise<void>;
}

export async function startHarness(
  options: { bootstrapToken?: string; withTokens?: boolean; git?: GitLookup; buildRegistry?: boolean } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-api-'));
  const store = await createStore({ dataDir: dir, secretKey: 'api-test-key' });
  const cp = new TestControlPlane(store);
  const imageTags = ['1.0.0', '1.1.0'];
  const app = await buildServer({
    store,
    controlPlane: cp,
    listImageTags: async () => imageTags,
    logger: false,
    ...(options.bootstrapToken ? { bootstrapToken: options.bootstrapToken } : {}),
    ...(options.git ? { git: options.git } : {}),
    ...(options.buildRegistry !== undefined ? { buildRegistry: options.buildRegistry } : {}),
  });
  const tokens = { admin: '', deployer: '', viewer: '' };
  if (options.withTokens !== false) {
    for (const role of ['admin', 'deployer', 'viewer'] as const) {
      tokens[role] = (await store.createToken({ name: `t-${role}`, role })).token;
    }
  }
  return {
    app,
    store,
    cp,
    tokens,
    imageTags,
    dataDir: dir,
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export interface SseEvent {
  event: string;
  data: unknown;
  id?: string;
}

/** A server-sent event client on a real socket, collecting events as they arrive. */
export class SseClient {
  readonly events: SseEvent[] = [];
  ended = false;
  statusCode = 0;
  contentType = '';
  private buffer = '';
  private waiters: Array<() => void> = [];
  private request: http.ClientRequest;

  constructor(url: string, headers: Record<string, string>) {
    this.request = http.get(url, { headers: { ...headers, accept: 'text/event-stream' } }, (res) => {
      this.statusCode = res.statusCode ?? 0;
      this.contentType = String(res.headers['content-type'] ?? '');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.buffer += chunk;
        let i: number;
        while ((i = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, i);
          this.buffer = this.buffer.slice(i + 2);
          const ev: SseEvent = { event: 'message', data: null };
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('data: ')) {
              ev.data = JSON.parse(line.slice(6));
              isEvent = true;
            }
          }
          if (isEvent) this.events.push(ev);
        }
        this.wake();
      });
      res.on('end', () => {
        this.ended = true;
        this.wake();
      });
      this.wake();
    });
    this.request.on('error', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once the condition holds; rejects after the deadline with what was seen. */
  async until(condition: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.request.destroy();
  }
}
