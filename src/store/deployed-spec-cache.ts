import type { DeployedSpec } from '../domain/index.js';

/** Specs kept decrypted: a few MB at most, and every service of a few hundred environments. */
const MAX_SPECS = 2000;

/**
 * Deployed specs already decrypted and parsed, by service and digest. A digest names one spec
 * for good (it is the spec's own SHA-256), so an entry is never stale: a new deploy records a new
 * digest. Reading a service's pending changes needs its deployed spec, and a status read of 10
 * deployed services spent more on decrypting and parsing them than on the rest of the read.
 *
 * Every reader shares the object handed out, so it is frozen: a change made to it by mistake
 * throws instead of altering what the next reader sees. Least recently used first out.
 */
export class DeployedSpecCache {
  private readonly specs = new Map<string, DeployedSpec>();

  constructor(private readonly max = MAX_SPECS) {}

  /** The spec of `digest` for the service, read through `load` when not kept. */
  get(serviceId: string, digest: string, load: () => DeployedSpec): DeployedSpec {
    const key = `${serviceId}/${digest}`;
    const kept = this.specs.get(key);
    if (kept) {
      // Map order is insertion order: moving it to the end keeps the least recent first.
      this.specs.delete(key);
      this.specs.set(key, kept);
      return kept;
    }
    const spec = deepFreeze(load());
    this.specs.set(key, spec);
    if (this.specs.size > this.max) this.specs.delete(this.specs.keys().next().value!);
    return spec;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
