import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type DeploymentStatus, type ServiceSettings } from '../../src/domain/index.js';
import { Engine, type EngineOptions } from '../../src/engine/engine.js';
import type { SlipwayEvent } from '../../src/engine/events.js';
import { createStore } from '../../src/store/create-store.js';
import type { Deployment, Store } from '../../src/store/store.js';
import { FakeRuntime } from './fake-runtime.js';

/** An engine on a real SQLite store and a FakeRuntime, with helpers to build environments. */
export class EngineFixture {
  readonly events: SlipwayEvent[] = [];
  private constructor(
    readonly store: Store,
    readonly engine: Engine,
    readonly runtime: FakeRuntime,
    private readonly dir: string,
  ) {
    engine.events.subscribe((e) => this.events.push(e));
  }

  static async create(options: Partial<EngineOptions> = {}, store?: Store): Promise<EngineFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-engine-'));
    const s = store ?? (await createStore({ dataDir: dir, secretKey: 'test-key' }));
    const runtime = new FakeRuntime();
    const engine = new Engine(s, { docker: runtime }, pino({ level: 'silent' }), { pollMs: 50, sweepMs: 60_000, ...options });
    await engine.start();
    return new EngineFixture(s, engine, runtime, dir);
  }

  async close(): Promise<void> {
    await this.engine.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async environment(name = 'staging'): Promise<string> {
    const project = await this.store.createProject({ name: `p-${Math.random().toString(36).slice(2, 8)}` });
    const env = await this.store.createEnvironment({
      projectId: project.id,
      name,
      runtime: 'docker',
      settings: DEFAULT_ENVIRONMENT_SETTINGS,
    });
    return env.id;
  }

  async container(environmentId: string, name: string, settings: Partial<ServiceSettings> = {}): Promise<string> {
    const service = await this.store.createService({
      environmentId,
      name,
      type: 'container',
      source: { image: { name: `registry.test/${name}`, tag: 'v1' } },
      settings: { ...DEFAULT_SERVICE_SETTINGS, ...settings },
    });
    return service.id;
  }

  async database(environmentId: string, name: string): Promise<string> {
    const service = await this.store.createService({
      environmentId,
      name,
      type: 'database',
      source: { engine: 'postgresql', version: '15', mode: 'container', storageGb: 1, image: { name: 'registry.test/pg', tag: '15' } },
      settings: DEFAULT_SERVICE_SETTINGS,
    });
    return service.id;
  }

  async status(serviceId: string): Promise<DeploymentStatus> {
    return (await this.store.getService(serviceId))!.status;
  }

  /** The statuses a service went through, in order, as published on the event stream. */
  statusPath(serviceId: string): DeploymentStatus[] {
    return this.events.flatMap((e) => (e.type === 'service.status' && e.serviceId === serviceId ? [e.status] : []));
  }

  /** Waits until the deployment has ended (polls the store with a deadline). */
  async finished(deploymentId: string, timeoutMs = 10_000): Promise<Deployment> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.store.getDeployment(deploymentId);
      if (d && d.status !== 'QUEUED' && d.status !== 'RUNNING') return d;
      if (Date.now() > deadline) throw new Error(`deployment ${deploymentId} still ${d?.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits until a condition holds (polls with a deadline). */
  async until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
