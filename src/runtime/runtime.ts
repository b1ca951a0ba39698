import type { DesiredSpec } from '../domain/model.js';
import type { LogLevel } from '../domain/requests.js';
import type { RunningState } from '../domain/statuses.js';
import type { TlsState } from '../domain/edge-tls.js';
import type { Environment, ServiceType } from '../domain/model.js';

/**
 * What the engine asks of a runtime (docs/runtimes.md). Docker and Kubernetes both implement it; the
 * engine never knows which one it drives: where runtimes differ, a runtime declares what it
 * does and the engine follows the declaration, never the runtime's name.
 * - Schedules: a runtime that runs cron schedules itself has installSchedule/suspendSchedule
 *   (Kubernetes: a CronJob); without them, Slipway's own scheduler runs one runJob per tick
 *   (Docker).
 * - Built images: builtImages says whether a built image must reach a registry and how a
 *   deploy refers to it (Docker: the local image id; Kubernetes: the registry digest).
 * - Settle after a crash: settle, when the runtime can be left with a half-done rollout.
 * - serves and serviceHost: see each.
 * - Instances, logs, usage: a runtime that can list its instances in detail, read their output
 *   or measure them has instances/logSources/usage; without them the API says they are not
 *   available there (docs/runtimes.md#instances-logs-and-metrics).
 */

/**
 * Where a runtime takes the images Slipway builds from.
 * - 'local-engine': it runs on the Docker Engine the builder builds into, so an image just
 *   built runs by its local image id, without a pull, and no registry is needed.
 * - 'registry': it pulls every image (a cluster's nodes do), so a build needs a registry to
 *   push to, and a built image is referred to by what resolveImage returns (its digest).
 */
export type BuiltImageSource = 'local-engine' | 'registry';

/** Names and ids that place an environment's resources on the runtime (and label them). */
export interface EnvironmentTarget {
  projectId: string;
  projectName: string;
  environmentId: string;
  environmentName: string;
}

export interface ServiceTarget extends EnvironmentTarget {
  serviceId: string;
  serviceName: string;
  serviceType: ServiceType;
}

/** Passed to every runtime call: cancellation and a place to write what happens. */
export interface OperationContext {
  /** Aborted when the user cancels (or the control plane shuts down). Every wait honours it. */
  signal: AbortSignal;
  /** A line for the deployment log. Never pass it a secret. */
  log(level: LogLevel, message: string): void;
}

/** A spec to run, with its hash (which the runtime stores on its resources) and version. */
export interface RolloutSpec extends DesiredSpec {
  specHash: string;
  /** The version shown to users: an image tag or a commit SHA. */
  version: string;
  /** An instance not ready within this many seconds fails the rollout. */
  startTimeoutSeconds: number;
  /**
   * The env keys whose values are secrets (the service's secret variables, the databases'
   * connections). A runtime that can keep them out of the instances' spec does (Kubernetes:
   * a Secret). Absent: none.
   */
  secretEnvKeys?: string[];
  /** The service's custom domains (docs/edge.md#host-names); absent: none. Not part of the hash. */
  domains?: Array<{ host: string; port?: number }>;
}

/** A public port of a service, reachable from outside. */
export interface Endpoint {
  port: number;
  protocol: 'http' | 'tcp';
  url: string;
  /** The host name it is served on, when the edge routes by host (docs/edge.md). */
  host?: string;
  /** Its certificate, when the edge serves it over https too (docs/edge.md#https). */
  tls?: TlsState;
}

export type { TlsState } from '../domain/edge-tls.js';

/**
 * Thrown by deploy/restart when the new instances failed (not ready in time, exited). The
 * runtime has already removed them and left the previous instances serving.
 */
export class RolloutFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutFailedError';
  }
}

/**
 * Thrown by deploy/restart when the signal aborted mid-rollout. The runtime has already put
 * the service back on the instances (and version) it ran before.
 */
export class RolloutCanceledError extends Error {
  constructor(message = 'canceled') {
    super(message);
    this.name = 'RolloutCanceledError';
  }
}

/** A one-off run of a job (docs/runtimes.md#at-a-glance: lifecycle job = one-off container / Job). */
export interface JobSpec {
  /** The resolved image (an id or digest). */
  image: string;
  command?: string[];
  env: Record<string, string>;
  cpu: number;
  memoryMb: number;
  /** The run is killed when it has not ended after this many seconds (0: no bound). */
  maxDurationSeconds: number;
  /** The version shown to users: an image tag or a commit SHA. */
  version: string;
  /** Unique per run: names and labels the run's resources. */
  runId: string;
  /**
   * The env keys whose values are secrets. A runtime that can keep them out of the run's spec
   * does (Kubernetes: a Secret). Absent: none.
   */
  secretEnvKeys?: string[];
}

/**
 * A cron job's schedule for a runtime that runs schedules itself (Kubernetes: a CronJob):
 * each tick runs this spec, never two runs at once.
 */
export interface ScheduleSpec extends Omit<JobSpec, 'runId'> {
  /** Cron syntax, as the service declares it; a runtime refuses what it cannot run. */
  schedule: string;
  specHash: string;
  /** Retries of a failed run (the job's maxRestarts). */
  maxRestarts: number;
}

/** How a job run ended: its exit code, or killed because it timed out or the signal aborted. */
export interface JobResult {
  exitCode: number | null;
  outcome: 'exited' | 'timed-out' | 'killed';
}

/** What one instance is doing now. */
export type InstancePhase = 'STARTING' | 'RUNNING' | 'RESTARTING' | 'EXITED' | 'TERMINATING' | 'UNKNOWN';

/** One instance of a service in detail (GET /services/{id}/instances). */
export interface InstanceDetail {
  /** The runtime's id of it (container id, pod name). */
  id: string;
  /** What the runtime calls it (container name, pod name). */
  name: string;
  version: string | null;
  ready: boolean;
  state: InstancePhase;
  restarts: number;
  /** The exit code of its last exit, if it ever exited. */
  exitCode: number | null;
  /** Whether its last exit was a kill for using too much memory. */
  oomKilled: boolean;
  startedAt: string | null;
  /** The machine it runs on (the Docker host's name, the pod's node). */
  node: string | null;
}

/** CPU and memory of one instance, measured now. */
export interface InstanceUsage {
  instanceId: string;
  /** Percent of one CPU core (200: two cores busy). Null until the runtime has two readings to compare. */
  cpuPercent: number | null;
  memoryBytes: number;
  memoryLimitBytes: number | null;
}

/** The usage of a service's running instances; available false when the runtime cannot measure them (no metrics API). */
export interface UsageReading {
  available: boolean;
  instances: InstanceUsage[];
}

export type LogStream = 'stdout' | 'stderr';

/** One line an instance printed, as the runtime recorded it. */
export interface InstanceLogLine {
  /** When the runtime received it (ISO-8601, UTC, sub-millisecond digits kept when the runtime has them). */
  ts: string;
  instance: string;
  stream: LogStream;
  line: string;
}

export interface LogQuery {
  /** The last n lines of each instance (before following). Absent: all it kept. */
  tail?: number;
  /** Only lines at or after this time (ISO-8601). */
  since?: string;
  /** Only this instance (its id or name). */
  instance?: string;
  /** Keep the sources open and yield new lines as they come. */
  follow: boolean;
  /** Aborting it ends every source. */
  signal: AbortSignal;
}

/**
 * The output of one instance, oldest line first. Iterating pulls: a consumer that stops pulling
 * stops the reading (the runtime reads no further than a small buffer ahead).
 */
export interface LogSource {
  instance: string;
  lines: AsyncIterable<InstanceLogLine>;
}

/** What the server's registry client offers runtimes (src/build/registry-client.ts): the digest a tag points at now. */
export interface DigestResolver {
  manifestDigest(imageName: string, tag: string, signal?: AbortSignal): Promise<string>;
}

export interface Runtime {
  /** Where this runtime takes the images Slipway builds from (see BuiltImageSource). */
  readonly builtImages: BuiltImageSource;

  /**
   * Whether this runtime can run that environment now (Kubernetes: cluster credentials are
   * known for it). Optional: without it, every environment of its kind.
   */
  serves?(environment: Environment): boolean;

  /**
   * Runs the job once and waits for it to end, its output written to ctx.log line by line.
   * Aborting ctx.signal kills it (outcome 'killed'); so does maxDurationSeconds ('timed-out').
   * Nothing of the run is left on the runtime afterwards.
   */
  runJob(target: ServiceTarget, spec: JobSpec, ctx: OperationContext): Promise<JobResult>;

  /**
   * Installs (or replaces, and resumes) a cron job's schedule, run by the runtime itself.
   * Optional: a runtime without it has its cron jobs run by Slipway's scheduler, one runJob per
   * tick. Throws on a schedule the runtime cannot run.
   */
  installSchedule?(target: ServiceTarget, spec: ScheduleSpec, ctx: OperationContext): Promise<void>;

  /** Suspends the schedule installSchedule installed (Stop); runs going on may finish. Idempotent. */
  suspendSchedule?(target: ServiceTarget, ctx: OperationContext): Promise<void>;

  /** Creates what an environment needs before its services (a network, a namespace). Idempotent. */
  prepareEnvironment(env: EnvironmentTarget, ctx: OperationContext): Promise<void>;

  /**
   * Makes the image available to the runtime (pulls it) and returns an immutable reference
   * to it (a digest or an image id), which goes into the spec hash.
   */
  resolveImage(image: { name: string; tag: string }, ctx: OperationContext): Promise<string>;

  /**
   * What resolveImage would return, when that is known without a pull: the runtime already has
   * the image the tag names in its registry now (or never pulls, as on Kubernetes). Null when
   * only a pull can tell. Optional: without it, every deploy of a service takes one of the
   * environment's deploy slots, even one that changes nothing (docs/queue-and-cancel.md).
   */
  currentImage?(image: { name: string; tag: string }, ctx: OperationContext): Promise<string | null>;

  /**
   * The host name the other services of the environment reach this service by (the service
   * name on a docker network). Optional: without it, the service name.
   */
  serviceHost?(target: ServiceTarget): string;

  /** The spec hash every current instance runs, or null if none run or they disagree. */
  runningSpecHash(target: ServiceTarget): Promise<string | null>;

  /**
   * runningSpecHash of every service of the environment in one look (one list of its
   * containers), by service id; a service with no instance may be absent. Optional: without
   * it, the engine asks runningSpecHash per service.
   */
  runningSpecHashes?(env: EnvironmentTarget): Promise<Map<string, string | null>>;

  /**
   * Rolls the spec out: with instances running, one at a time (start new #i, wait until it is
   * ready, remove old #i), or stop-first when the service has storage; from nothing, starts
   * them. Throws RolloutFailedError or RolloutCanceledError (see above).
   */
  deploy(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void>;

  /** Replaces every instance one by one with the same spec, each gated on readiness. */
  restart(target: ServiceTarget, spec: RolloutSpec, ctx: OperationContext): Promise<void>;

  /** Removes the instances; keeps volumes, images and configuration. */
  stop(target: ServiceTarget, ctx: OperationContext): Promise<void>;

  /** Removes every resource of the service, and its volumes unless keepData. */
  delete(target: ServiceTarget, options: { keepData: boolean }, ctx: OperationContext): Promise<void>;

  /**
   * After a deployment was interrupted mid-rollout (its Slipway process died), removes the
   * instances that do not run `keepSpecHash` — the spec deployed before — when some instance
   * still runs it, or every instance when nothing was deployed before (null): the service is
   * left on one version, as after a failed rollout (Kubernetes: the previous revision put back,
   * as `kubectl rollout undo`). Optional: a runtime that cannot be left with a half-done
   * rollout needs none.
   */
  settle?(target: ServiceTarget, keepSpecHash: string | null, ctx: OperationContext): Promise<void>;

  /** Removes what prepareEnvironment created. Idempotent. */
  deleteEnvironment(env: EnvironmentTarget, ctx: OperationContext): Promise<void>;

  /** The running status observed now, with per-instance detail. UNKNOWN when unreachable. */
  observe(target: ServiceTarget): Promise<RunningState>;

  /**
   * observe() for several services of one environment from one listing of it (the periodic
   * sweep's way: one request per environment, not one per service). Optional; throws when the
   * runtime does not answer.
   */
  observeEnvironment?(env: EnvironmentTarget, serviceIds: readonly string[]): Promise<Map<string, RunningState>>;

  /**
   * The service's instances in detail, runs of a job going on included. Optional (see above);
   * throws when the runtime does not answer.
   */
  instances?(target: ServiceTarget): Promise<InstanceDetail[]>;

  /**
   * CPU and memory of the running instances, one cheap reading each. Optional (see above);
   * throws when the runtime does not answer.
   */
  usage?(target: ServiceTarget): Promise<UsageReading>;

  /**
   * The output of the instances the query selects (runs of a job going on included), one source
   * per instance. Optional (see above); throws when the runtime does not answer.
   */
  logSources?(target: ServiceTarget, query: LogQuery): Promise<LogSource[]>;

  /** Where the service's public ports are reachable; none when the runtime is unreachable (never throws for that). */
  endpoints(target: ServiceTarget): Promise<Endpoint[]>;

  /**
   * Calls the listener with a service id whenever the runtime sees something change for that
   * service (an instance started, died, became ready); the caller then asks observe(). Returns
   * the unsubscribe function.
   */
  watch(listener: (serviceId: string) => void): () => void;

  /** Starts background work (watchers) and picks up instances left from a previous run. */
  start(): Promise<void>;

  /** Stops background work; leaves the services running. */
  close(): Promise<void>;
}
