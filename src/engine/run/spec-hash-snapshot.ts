import type { EnvironmentTarget, Runtime, ServiceTarget } from '../../runtime/runtime.js';

/**
 * The spec hash each service of a deployment runs, read for the whole environment once, when
 * the first service asks, if the runtime can (runningSpecHashes): a redeploy of 50 services is
 * one container list, not 50. The deployment is the only writer of its services' instances
 * while it runs, so what was read stays true for a service until its own turn. A failed read
 * is tried again by the next service; a runtime without the bulk read is asked per service.
 */
export function specHashSnapshot(runtime: Runtime, env: EnvironmentTarget): (target: ServiceTarget) => Promise<string | null> {
  const readAll = runtime.runningSpecHashes?.bind(runtime);
  if (!readAll) return (target) => runtime.runningSpecHash(target);
  let snapshot: Promise<Map<string, string | null>> | undefined;
  return async (target) => {
    snapshot ??= readAll(env).catch((err: unknown) => {
      snapshot = undefined;
      throw err;
    });
    return (await snapshot).get(target.serviceId) ?? null;
  };
}
