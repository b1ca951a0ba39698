import type { DeployedRollout, DeployedSpec, EnvVar, Service } from './model.js';
import { canonicalJson } from './spec-hash.js';

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
 * Whether the service already records exactly this deploy (a redeploy without changes): then
 * there is nothing to write. Key order does not matter, the specs are compared as canonical JSON.
 */
export function recordsDeploy(service: DeployedState, deployed: DeployedState): boolean {
  return (
    service.deployedVersion === deployed.deployedVersion &&
    service.deployedSpecHash === deployed.deployedSpecHash &&
    // The same key order (both built by deployedSpecOf) is the usual case: compared cheaply first.
    (JSON.stringify(service.deployedSpec) === JSON.stringify(deployed.deployedSpec) || canonicalJson(service.deployedSpec) === canonicalJson(deployed.deployedSpec))
  );
}
