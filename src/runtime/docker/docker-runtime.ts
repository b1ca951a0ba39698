import Docker from 'dockerode';
import type { PortSetting } from '../../domain/model.js';
import type { RunningState } from '../../domain/statuses.js';
import type { Store } from '../../store/store.js';
import type {
  DigestResolver,
  Endpoint,
  EnvironmentTarget,
  InstanceDetail,
  JobResult,
  JobSpec,
  LogQuery,
  LogSource,
  OperationContext,
  RolloutSpec,
  Runtime,
  ServiceTarget,
  UsageReading,
} from '../runtime.js';
import type { DependencyStatus } from '../dependency-status.js';
import { openContainerLogs } from './container-logs.js';
import { ContainerStats } from './container-stats.js';
import { DockerConnection, isConnectionError } from './docker-connection.js';
import type { Edge } from './edge.js';
import { HostPortTakenError, hostPortFree } from './host-port-free.js';
import { instanceIp, isNotFound } from './instance-ip.js';
import { instanceDetails, observedContainers } from './instance-details.js';
import { InstanceMonitor, type TrackedInstance } from './instance-monitor.js';
import { runJobContainer } from './job-run.js';
import { inspectOrNull, listInstances, retire, type RuntimeParts } from './instances.js';
import { LABEL, environmentLabels, managedFilter, networkName, readInstanceLabels, serviceFilter, serviceLabels, volumeName } from './names-and-labels.js';
import { observeEnvironment, observeService } from './observe.js';
import { currentImage, resolveImage } from './resolve-image.js';
import { rollout } from './rollout.js';
import { environmentSpecHashes, specHashOfRunning } from './running-spec-hashes.js';

export type HostPortAllocator = Pick<Store, 'allocateHostPort' | 'reallocateHostPort' | 'listHostPorts' | 'releaseHostPorts'>;

/** Host ports found taken by other programs that one route tries before it gives up. */
const MAX_TAKEN_HOST_PORTS = 10;

export interface DockerRuntimeOptions {
  /** The engine; default: dockerode's default, which follows DOCKER_HOST or /var/run/docker.sock. */
  docker?: Docker;
  /** Routes public http ports to ready instances (docs/edge.md). Owned by the caller (close() leaves it open). */
  edge: Edge;
  /** One stable host port per (service, container port). */
  hostPorts: HostPortAllocator;
  /** Host name in endpoint URLs; default localhost. */
  publicHost?: string;
  /** Where host ports are allocated; default 20000–29999. */
  hostPortRange?: { from: number; to: number };
  /** How long a retired instance may finish in-flight requests; default 10 s. */
  drainTimeoutMs?: number;
  /** SIGTERM → SIGKILL delay when removing an instance; default 10 s. */
  stopTimeoutSeconds?: number;
  /**
   * Whether a service is this Slipway's: start() adopts only those containers, since other
   * Slipway installations may share the engine. Default: every Slipway container.
   */
  owns?: (serviceId: string) => Promise<boolean>;
  /** Asks registries which digest a tag points at (the server's registry client); without it, the engine is asked. */
  registry?: DigestResolver;
  /** Background messages (monitor, event stream, start(), the engine's connection); no deployment to log them to. */
  log?: (message: string, level?: 'info' | 'warn') => void;
}

/**
 * The `docker` runtime (docs/runtimes.md#docker): one machine's Docker Engine, an environment per
 * user-defined network, instances as labelled containers, public http ports behind the edge
 * (docs/edge.md), public tcp ports published by Docker.
 * The moves are in rollout.ts / instances.ts; readiness after a rollout in instance-monitor.ts.
 */
export class DockerRuntime implements Runtime {
  /** The builder builds into this same Docker Engine. */
  readonly builtImages = 'local-engine' as const;
  private readonly docker: Docker;
  private readonly edge: Edge;
  private readonly hostPorts: HostPortAllocator;
  private readonly publicHost: string;
  private readonly range: { from: number; to: number };
  private readonly parts: RuntimeParts;
  private readonly monitor: InstanceMonitor;
  private readonly log: (message: string, level?: 'info' | 'warn') => void;
  private readonly connection: DockerConnection;
  private readonly owns: (serviceId: string) => Promise<boolean>;
  private readonly registry: DigestResolver | undefined;
  private readonly listeners = new Set<(serviceId: string) => void>();
  /** Public ports routed per service: endpoints() reports them with their protocol. */
  private readonly routed = new Map<string, PortSetting[]>();
  private readonly stats: ContainerStats;
  /** The engine's host name (docker info), asked once: every instance's node. */
  private hostName: Promise<string | null> | undefined;
  private events: NodeJS.ReadableStream | null = null;
  /** A getEvents call is on its way (startEvents). */
  private eventsOpening = false;
  private eventsRetry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(options: DockerRuntimeOptions) {
    this.docker = options.docker ?? new Docker();
    this.edge = options.edge;
    this.hostPorts = options.hostPorts;
    this.publicHost = options.publicHost ?? 'localhost';
    this.range = options.hostPortRange ?? { from: 20000, to: 29999 };
    this.log = options.log ?? (() => undefined);
    this.owns = options.owns ?? (async () => true);
    this.registry = options.registry;
    this.monitor = new InstanceMonitor(this.docker, {
      onReadyChange: (instance) => this.onReadyChange(instance),
      // While the engine is away its checks fail every period: the outage is logged once instead.
      log: (message) => {
        if (this.connection.available) this.log(message);
      },
      eventsLive: () => this.events !== null,
    });
    this.parts = {
      docker: this.docker,
      edge: this.edge,
      monitor: this.monitor,
      drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
      stopTimeoutSeconds: options.stopTimeoutSeconds ?? 10,
    };
    this.stats = new ContainerStats(this.docker);
    this.connection = new DockerConnection(this.docker, { log: (message, level) => this.log(message, level), onConnected: () => this.adopt() });
  }

  /** Runs a call on this runtime's engine (image builds share it): an unreachable engine fails with its address and the fix. */
  onEngine<T>(work: () => Promise<T>): Promise<T> {
    return this.connection.call(work);
  }

  /** Whether the engine answers, for /readyz and the console. */
  status(): DependencyStatus {
    return this.connection.status();
  }

  prepareEnvironment(env: EnvironmentTarget, ctx: OperationContext): Promise<void> {
    return this.connection.call(() => this.ensureNetwork(env, ctx));
  }

  private async ensureNetwork(env: EnvironmentTarget, ctx: OperationContext): Promise<void> {
    const name = networkName(env.environmentId);
    try {
      await this.docker.getNetwork(name).inspect();
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await this.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: environmentLabels(env) });
      ctx.log('info', `created network ${name}`);
    } catch (error) {
      // 409: created meanwhile by another call.
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    }
  }

  resolveImage(image: { name: string; tag: string }, ctx: OperationContext): Promise<string> {
    return this.connection.call(() => resolveImage(this.docker, image, ctx, this.registry));
  }

  currentImage(image: { name: string; tag: string }, ctx: OperationContext): Promise<string | null> {
    return this.connection.call(() => currentImage(this.docker, image, ctx, this.registry));
  }

  async runningSpecHash(target: ServiceTarget): Promise<string | null> {
    return specHashOfRunning(await this.connection.call(() => listInstances(this.docker, target.serviceId)));
  }

  runningSpecHashes(env: EnvironmentTarget): Promise<Map<string, string | null>> {
    return this.connection.call(() => environmentSpecHashes(this.docker, env.environmentId));
  }

  async deploy(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void> {
    // The API refuses such settings; a service saved by a version whose in-process proxy carried tcp may still have them.
    const tcp = spec.ports.find((p) => this.isPublished(p));
    if (tcp && spec.instances > 1) {
      throw new Error(
        `public tcp port ${tcp.containerPort} is published by Docker on one container, so the service runs one instance: set instances to 1 (${spec.instances} asked), or make the port private`,
      );
    }
    return this.connection.call(async () => {
      await this.ensureNetwork(target, ctx);
      await this.ensureVolumes(target, spec);
      const published = await this.ensureRoutes(target.serviceId, spec.ports, networkName(target.environmentId), (message) => ctx.log('warn', message), spec.instances);
      await rollout(this.parts, target, spec, ctx, published);
    });
  }

  /** A public tcp port: Docker publishes it on the instance (the edge carries http only). */
  private isPublished(port: PortSetting): boolean {
    return port.public && port.protocol === 'tcp';
  }

  runJob(target: ServiceTarget, spec: JobSpec, ctx: OperationContext): Promise<JobResult> {
    return this.connection.call(async () => {
      await this.ensureNetwork(target, ctx);
      return runJobContainer(this.docker, target, spec, ctx);
    });
  }

  async restart(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void> {
    // The same replacement as a deploy, with the spec already running: each new instance gated on readiness.
    await this.deploy(target, spec, ctx);
  }

  async settle(target: ServiceTarget, keepSpecHash: string | null, ctx: OperationContext): Promise<void> {
    const instances = await this.connection.call(() => listInstances(this.docker, target.serviceId));
    const isKept = (c: Docker.ContainerInfo): boolean => keepSpecHash !== null && c.Labels[LABEL.specHash] === keepSpecHash;
    if (keepSpecHash !== null && !instances.some(isKept)) return;
    for (const c of instances) {
      if (isKept(c)) continue;
      await retire(this.parts, c.Id, readInstanceLabels(c.Labels));
      ctx.log('warn', `removed instance ${c.Id.slice(0, 12)} left by the interrupted rollout`);
    }
  }

  stop(target: ServiceTarget, ctx: OperationContext): Promise<void> {
    return this.connection.call(() => this.removeInstances(target, ctx));
  }

  private async removeInstances(target: ServiceTarget, ctx: OperationContext): Promise<void> {
    const containers = await listInstances(this.docker, target.serviceId);
    await Promise.all(containers.map((c) => retire(this.parts, c.Id, readInstanceLabels(c.Labels))));
    ctx.log('info', `stopped ${containers.length} instance(s); volumes kept`);
  }

  delete(target: ServiceTarget, options: { keepData: boolean }, ctx: OperationContext): Promise<void> {
    return this.connection.call(() => this.removeService(target, options, ctx));
  }

  private async removeService(target: ServiceTarget, options: { keepData: boolean }, ctx: OperationContext): Promise<void> {
    await this.removeInstances(target, ctx);
    if (!options.keepData) {
      const { Volumes } = await this.docker.listVolumes({ filters: serviceFilter(target.serviceId) });
      for (const volume of Volumes ?? []) {
        await this.docker.getVolume(volume.Name).remove().catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
        ctx.log('info', `removed volume ${volume.Name}`);
      }
    }
    await this.edge.closeRoutes(target.serviceId);
    this.routed.delete(target.serviceId);
    await this.hostPorts.releaseHostPorts(target.serviceId);
  }

  async deleteEnvironment(env: EnvironmentTarget, ctx: OperationContext): Promise<void> {
    const name = networkName(env.environmentId);
    await this.edge.leaveNetwork(name);
    try {
      await this.connection.call(() => this.docker.getNetwork(name).remove());
      ctx.log('info', `removed network ${name}`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  observe(target: ServiceTarget): Promise<RunningState> {
    return observeService(this.docker, this.monitor, target.serviceId);
  }

  observeEnvironment(env: EnvironmentTarget, serviceIds: readonly string[]): Promise<Map<string, RunningState>> {
    return this.connection.call(() => observeEnvironment(this.docker, this.monitor, env.environmentId, serviceIds));
  }

  instances(target: ServiceTarget): Promise<InstanceDetail[]> {
    return this.connection.call(async () => instanceDetails(this.docker, this.monitor, target.serviceId, await this.node()));
  }

  /** One one-shot stats call per running container (see ContainerStats). */
  usage(target: ServiceTarget): Promise<UsageReading> {
    return this.connection.call(async () => {
      const running = (await observedContainers(this.docker, target.serviceId)).filter((c) => c.State === 'running');
      return { available: true, instances: await this.stats.read(running.map((c) => c.Id)) };
    });
  }

  logSources(target: ServiceTarget, query: LogQuery): Promise<LogSource[]> {
    return this.connection.call(async () => {
      const wanted = query.instance;
      const containers = (await observedContainers(this.docker, target.serviceId)).filter(
        (c) => wanted === undefined || c.Id === wanted || (wanted.length >= 12 && c.Id.startsWith(wanted)) || c.Names.some((n) => n.replace(/^\//, '') === wanted),
      );
      const sources: LogSource[] = [];
      for (const c of containers) {
        const info = await inspectOrNull(this.docker, c.Id);
        if (!info) continue;
        const lines = await openContainerLogs(this.docker, { id: c.Id, name: info.Name.replace(/^\//, ''), tty: info.Config.Tty === true }, query).catch((error: unknown) => {
          if (isNotFound(error)) return null;
          throw error;
        });
        if (lines) sources.push({ instance: c.Id, lines });
      }
      return sources;
    });
  }

  private node(): Promise<string | null> {
    this.hostName ??= this.docker.info().then(
      (info: { Name?: string }) => info.Name ?? null,
      () => {
        this.hostName = undefined;
        return null;
      },
    );
    return this.hostName;
  }

  async endpoints(target: ServiceTarget): Promise<Endpoint[]> {
    // The engine away: nothing is known to run, so nothing is shown as reachable.
    if (!this.connection.available) return [];
    let ports = this.routed.get(target.serviceId);
    if (!ports) {
      const containers = await listInstances(this.docker, target.serviceId).catch(() => []);
      ports = readInstanceLabels(containers[0]?.Labels)?.ports.filter((p) => p.public);
    }
    const byPort: Array<{ containerPort: number; endpoints: Endpoint[] }> = [];
    // Public http ports: known from the instances, else (a service stopped before this process
    // started) from the routes the edge still holds for it.
    const httpPorts = ports ? ports.filter((p) => !this.isPublished(p)).map((p) => p.containerPort) : this.edge.routedPorts(target.serviceId);
    for (const containerPort of httpPorts) byPort.push({ containerPort, endpoints: await this.edge.endpointsOf(target.serviceId, containerPort) });
    // Public tcp ports: on the host port recorded for each.
    const published = ports?.filter((p) => this.isPublished(p)) ?? [];
    if (published.length > 0) {
      const allocated = await this.hostPorts.listHostPorts(target.serviceId);
      for (const { containerPort, hostPort } of allocated) {
        if (!published.some((p) => p.containerPort === containerPort)) continue;
        byPort.push({ containerPort, endpoints: [{ port: hostPort, protocol: 'tcp', url: `tcp://${this.publicHost}:${hostPort}` }] });
      }
    }
    return byPort.sort((a, b) => a.containerPort - b.containerPort).flatMap((p) => p.endpoints);
  }

  watch(listener: (serviceId: string) => void): () => void {
    this.listeners.add(listener);
    this.startEvents();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Connects to the engine and picks up what it runs (adopt). An engine that does not answer
   * does not stop the server: the outage is logged, and adopt runs once it answers.
   */
  async start(): Promise<void> {
    this.closed = false;
    await this.connection.open();
  }

  /**
   * Picks up the instances a previous control plane left: opens their public routes, and
   * puts into the edge those that pass their readiness check now; the monitor keeps at it.
   */
  private async adopt(): Promise<void> {
    this.startEvents();
    const containers = await this.docker.listContainers({ all: true, filters: managedFilter });
    const checks: Array<Promise<void>> = [];
    for (const c of containers) {
      const labels = readInstanceLabels(c.Labels);
      if (!labels || !(await this.owns(labels.serviceId))) continue;
      try {
        await this.ensureRoutes(labels.serviceId, labels.ports, networkName(labels.environmentId));
      } catch (error) {
        this.log(`start: cannot route the public ports of service ${labels.serviceId}: ${(error as Error).message}`);
      }
      // Deployed by a version whose in-process proxy carried tcp: Docker publishes it from the next deploy on.
      for (const port of labels.ports.filter((p) => this.isPublished(p) && !(c.Ports ?? []).some((b) => b.PrivatePort === p.containerPort && b.PublicPort))) {
        if (c.State === 'running') this.log(`start: public tcp port ${port.containerPort} of service ${labels.serviceId} is not published by Docker yet: redeploy the service to publish it`, 'warn');
      }
      // Back after an outage: instances still tracked keep their readiness (and their traffic).
      if (this.monitor.get(c.Id)) {
        checks.push(this.monitor.checkNow(c.Id));
        continue;
      }
      const info = await inspectOrNull(this.docker, c.Id);
      if (!info) continue;
      // A rollout running meanwhile may have admitted it (ready) during that inspect: keep that.
      if (!this.monitor.get(c.Id)) this.monitor.track(c.Id, labels, { ready: false, ip: instanceIp(info, labels.environmentId), startedAt: info.State.StartedAt });
      checks.push(this.monitor.checkNow(c.Id));
    }
    await Promise.all(checks);
    await this.edge.adopted();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connection.close();
    this.monitor.close();
    if (this.eventsRetry) clearTimeout(this.eventsRetry);
    const events = this.events as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
    this.events = null;
    events?.destroy?.();
    this.listeners.clear();
  }

  /**
   * Routes each public http port through the edge under its host names, and gives each public
   * tcp port, which Docker publishes, its host port: checked free unless an instance of the
   * service already holds it. A host port another program holds is given up for another one of the
   * range, recorded, so endpoints() shows it and later deploys use it. Returns the host ports
   * Docker is to publish (container port → host port).
   */
  private async ensureRoutes(
    serviceId: string,
    ports: PortSetting[],
    network: string,
    warn: (message: string) => void = this.log,
    instances?: number,
  ): Promise<Map<number, number>> {
    const publicPorts = ports.filter((p) => p.public);
    const published = new Map<number, number>();
    for (const port of publicPorts) {
      if (!this.isPublished(port)) {
        await this.edge.openRoute({ serviceId, containerPort: port.containerPort, network, ...(instances !== undefined ? { instances } : {}) });
        continue;
      }
      // Served by host name while it was an http port: that route goes.
      await this.edge.closeRoute(serviceId, port.containerPort);
      const unavailable: number[] = [];
      let hostPort = await this.hostPorts.allocateHostPort(serviceId, port.containerPort, this.range);
      for (;;) {
        try {
          await this.ensurePublishable(serviceId, hostPort);
          published.set(port.containerPort, hostPort);
          break;
        } catch (error) {
          if (!(error instanceof HostPortTakenError) || unavailable.length >= MAX_TAKEN_HOST_PORTS) throw error;
          unavailable.push(hostPort);
          const taken = hostPort;
          hostPort = await this.hostPorts.reallocateHostPort(serviceId, port.containerPort, this.range, unavailable);
          warn(`host port ${taken} is taken by another program: port ${port.containerPort} is published on host port ${hostPort} instead`);
        }
      }
    }
    const known = this.routed.get(serviceId) ?? [];
    const merged = [...publicPorts, ...known.filter((k) => !publicPorts.some((p) => p.containerPort === k.containerPort))];
    this.routed.set(serviceId, merged);
    return published;
  }

  /** The host port is this service's to publish: an instance of it holds it already, or nothing does. */
  private async ensurePublishable(serviceId: string, hostPort: number): Promise<void> {
    const holders = await listInstances(this.docker, serviceId);
    if (holders.some((c) => (c.Ports ?? []).some((p) => p.PublicPort === hostPort))) return;
    if (!(await hostPortFree(hostPort))) throw new HostPortTakenError(hostPort, `host port ${hostPort} is taken by another program`);
  }

  private async ensureVolumes(target: ServiceTarget, spec: RolloutSpec): Promise<void> {
    for (let n = 0; n < spec.storage.length; n++) {
      // Creating an existing volume returns it unchanged.
      await this.docker.createVolume({ Name: volumeName(target.serviceId, n), Labels: serviceLabels(target) });
    }
  }

  /** Only ready instances take traffic: the edge follows the monitor's view (tcp ports Docker publishes are the instance's own). */
  private onReadyChange(instance: TrackedInstance): void {
    const { serviceId } = instance.labels;
    for (const port of instance.labels.ports.filter((p) => p.public && !this.isPublished(p))) {
      try {
        if (instance.ready && instance.ip) {
          const slot = instance.labels.edgeSlot;
          this.edge.addBackend(serviceId, port.containerPort, { id: instance.id, host: instance.ip, port: port.containerPort, ...(slot ? { slot } : {}) });
        } else {
          void this.edge.drainBackend(serviceId, port.containerPort, instance.id).catch(() => undefined);
        }
      } catch (error) {
        this.log(`edge: ${(error as Error).message}`);
      }
    }
    this.notify(serviceId);
  }

  private notify(serviceId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(serviceId);
      } catch (error) {
        this.log(`watch listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** One Docker event stream for Slipway's containers: pokes the monitor and tells watchers. */
  private startEvents(): void {
    // While the engine is away, the connection's retries bring the stream back (adopt).
    // One stream at a time: a second one asked while the first is on its way would be left
    // open after close() (and keep the process alive).
    if (this.events || this.eventsOpening || this.closed || !this.connection.available) return;
    this.eventsOpening = true;
    const filters = { type: ['container' as const], label: managedFilter.label };
    this.docker.getEvents({ filters }).then(
      (stream) => {
        this.eventsOpening = false;
        if (this.closed) return void (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        this.events = stream;
        // What happened while no stream was open is only learnt by looking.
        this.monitor.resync();
        let buffer = '';
        stream.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) this.onEvent(line);
          }
        });
        const reconnect = (): void => {
          if (this.events !== stream) return;
          this.events = null;
          this.scheduleEventsRetry();
        };
        stream.on('end', reconnect);
        stream.on('close', reconnect);
        stream.on('error', reconnect);
      },
      (error: unknown) => {
        this.eventsOpening = false;
        if (isConnectionError(error)) return this.connection.lost(error);
        this.log(`docker events: ${(error as Error).message}`);
        this.scheduleEventsRetry();
      },
    );
  }

  private scheduleEventsRetry(): void {
    if (this.closed || this.eventsRetry) return;
    this.eventsRetry = setTimeout(() => {
      this.eventsRetry = null;
      this.startEvents();
    }, 1000);
    this.eventsRetry.unref();
  }

  private onEvent(line: string): void {
    let event: { id?: string; status?: string; Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    const serviceId = event.Actor?.Attributes?.[LABEL.service];
    const action = event.Action ?? event.status ?? '';
    if (id && /^(start|die|restart|kill|oom|stop)$/.test(action)) void this.monitor.checkNow(id);
    if (serviceId && !action.startsWith('exec_')) this.notify(serviceId);
  }
}
