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
