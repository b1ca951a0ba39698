import { DomainError, errorMessage, redact, secretValues, type Service } from '../../domain/index.js';
import type { InstanceLogLine, LogQuery, Runtime, ServiceTarget } from '../../runtime/runtime.js';
import type { Store } from '../../store/store.js';
import type { InstanceView, LogsRequest } from '../control-plane.js';
import type { RuntimeResolver } from '../runtime-resolver.js';
import { InstanceFollower } from './instance-follower.js';
import { LogMerge } from './log-merge.js';

/** A silent instance holds the others' lines this long at most, when following. */
const FOLLOW_GRACE_MS = 200;
/** Lines read ahead per instance: what bounds the memory of one reader. */
const BUFFER_PER_INSTANCE = 256;

/** The service's runtime and target; UPSTREAM_UNAVAILABLE when this server has no such runtime. */
async function resolve(runtimes: RuntimeResolver, store: Store, serviceId: string): Promise<{ runtime: Runtime; target: ServiceTarget; service: Service }> {
  const resolved = await runtimes.forService(serviceId);
  if (resolved) return resolved;
  if (!(await store.getService(serviceId))) throw new DomainError('NOT_FOUND', 'service not found');
  throw new DomainError('UPSTREAM_UNAVAILABLE', 'the runtime of this service is not configured on this Slipway server');
}

/** A runtime that did not answer is the client's 502, saying why. */
async function fromRuntime<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('UPSTREAM_UNAVAILABLE', `the runtime did not answer: ${errorMessage(error)}`);
  }
}

/** Each instance in detail, with its CPU and memory where the runtime measures them. */
export async function serviceInstances(runtimes: RuntimeResolver, store: Store, serviceId: string): Promise<InstanceView[]> {
  const { runtime, target } = await resolve(runtimes, store, serviceId);
  if (!runtime.instances) return [];
  const [details, usage] = await fromRuntime(() =>
    Promise.all([runtime.instances!(target), runtime.usage ? runtime.usage(target).catch(() => undefined) : Promise.resolve(undefined)]),
  );
  return details.map((detail) => {
    const measured = usage?.instances.find((u) => u.instanceId === detail.id);
    if (!measured) return detail;
    return {
      ...detail,
      ...(measured.cpuPercent !== null ? { cpuPercent: measured.cpuPercent } : {}),
      memoryBytes: measured.memoryBytes,
      ...(measured.memoryLimitBytes !== null ? { memoryLimitBytes: measured.memoryLimitBytes } : {}),
    };
  });
}

/**
 * What the service's instances print, merged by time, every secret value of its environment
 * redacted (the service's own and those injected into it: the databases' passwords). Bounded
 * memory whatever the volume (LogMerge). Aborting request.signal ends it.
 */
export async function serviceLogs(runtimes: RuntimeResolver, store: Store, serviceId: string, request: LogsRequest): Promise<AsyncIterable<InstanceLogLine>> {
  const { runtime, target, service } = await resolve(runtimes, store, serviceId);
  if (!runtime.logSources) return new LogMerge([], { graceMs: 0, bufferPerSource: 1 });
  const secrets = secretValues(await store.listServices(service.environmentId));
  const query: LogQuery = {
    follow: request.follow,
    signal: request.signal,
    ...(request.tail !== undefined ? { tail: request.tail } : {}),
    ...(request.since !== undefined ? { since: request.since } : {}),
    ...(request.instance !== undefined ? { instance: request.instance } : {}),
  };
  const startedAt = new Date().toISOString();
  const sources = await fromRuntime(() => runtime.logSources!(target, query));
  if (!request.follow) return redacted(new LogMerge(sources, { graceMs: Number.POSITIVE_INFINITY, bufferPerSource: BUFFER_PER_INSTANCE }), secrets);
  // Following the whole service: instances started later (a rollout, a Restart) join as they run.
  const followsAll = request.instance === undefined && runtime.instances !== undefined;
  const merged = new LogMerge(followsAll ? [] : sources, { graceMs: FOLLOW_GRACE_MS, bufferPerSource: BUFFER_PER_INSTANCE, openEnded: followsAll });
  request.signal.addEventListener('abort', () => merged.stop(), { once: true });
  if (followsAll) new InstanceFollower({ instances: runtime.instances!.bind(runtime), logSources: runtime.logSources.bind(runtime) }, target, merged, request.signal, startedAt).start(sources);
  return redacted(merged, secrets);
}

async function* redacted(lines: AsyncIterable<InstanceLogLine>, secrets: readonly string[]): AsyncGenerator<InstanceLogLine> {
  for await (const line of lines) yield secrets.length === 0 ? line : { ...line, line: redact(line.line, secrets) };
}
