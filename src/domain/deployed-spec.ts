import { createHash } from 'node:crypto';
import type { DeployedRollout, DeployedSpec, EnvVar, Service } from './model.js';

/** What a deploy of this service (as read when its deployment started, with the shared variables that reached it) applies. */
export function deployedSpecOf(service: Pick<Service, 'source' | 'settings'>, rollout?: DeployedRollout, variables: readonly EnvVar[] = []): DeployedSpec {
  return { source: service.source, settings: service.settings, ...(variables.length > 0 ? { variables: [...variables] } : {}), ...(rollout ? { rollout } : {}) };
}

/**
 * The service as its last deploy left it: its deployed source and settings in place of the ones
 * edited since (what Restart runs). Unchanged when the deployed spec is not known.
 */
export function serviceAsDeployed<S extends Pick<Service, 'source' | 'settings' | 'deployedSpec'>>(service: S): S {
  const deployed = service.deployedSpec;
  return deployed ? { ...service, source: deployed.source, settings: deployed.settings } : service;
}

/** What a deploy records on the service: its version, spec hash and spec. */
export interface DeployedState {
  deployedVersion: string | null;
  deployedSpecHash: string | null;
  /** What the deploy applied (null: not known). */
  deployedSpec: DeployedSpec | null;
}

/**
 * The digest of a deployed spec, stored beside it when it is recorded: a redeploy without
 * changes compares digests instead of reading the spec back. Its JSON as built, not canonical
 * JSON (2.5 times slower): specs are built by deployedSpecOf from what the store parsed, so an
 * equal spec comes in the same key order, and one that did not would only be recorded once
 * more. A JSON round trip keeps the digest (the spec read back from the store digests alike).
 */
export function deployedSpecDigest(spec: DeployedSpec | null): string | null {
  return spec === null ? null : createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 32);
}

/**
 * Whether the service already records exactly this deploy (a redeploy without changes): then
 * there is nothing to write. A service recorded before Slipway kept digests has none: it is
 * written once more, with its digest.
 */
export function recordsDeploy(service: Pick<Service, 'deployedVersion' | 'deployedSpecHash' | 'deployedSpecDigest'>, deployed: DeployedState): boolean {
  return (
    service.deployedVersion === deployed.deployedVersion &&
    service.deployedSpecHash === deployed.deployedSpecHash &&
    service.deployedSpecDigest === deployedSpecDigest(deployed.deployedSpec)
  );
}
