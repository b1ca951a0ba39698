import type { Service, ServiceSettings, ServiceSource } from './model.js';
import type { DesiredSpec } from './spec-hash.js';

/**
 * What the last successful deploy of a service applied
 * (docs/actions.md#restart-runs-the-deployed-spec): its source and settings at that time, which the
 * pending changes are measured against, and, for a service the runtime runs, the spec it rolled
 * out, which Restart runs again rather than the settings edited since. It holds secret values in
 * clear: the store keeps it encrypted.
 */
export interface DeployedSpec {
  source: ServiceSource;
  settings: ServiceSettings;
  rollout?: DeployedRollout;
}

/** A spec as handed to the runtime's deploy (the runtime's RolloutSpec has this shape). */
export interface DeployedRollout extends DesiredSpec {
  specHash: string;
  version: string;
  startTimeoutSeconds: number;
  secretEnvKeys?: string[];
}

/** What a deploy of this service (as read when its deployment started) applies. */
export function deployedSpecOf(service: Pick<Service, 'source' | 'settings'>, rollout?: DeployedRollout): DeployedSpec {
  return { source: service.source, settings: service.settings, ...(rollout ? { rollout } : {}) };
}

/**
 * The service as its last deploy left it: its deployed source and settings in place of the ones
 * edited since (what Restart runs). Unchanged when the deployed spec is not known.
 */
export function serviceAsDeployed<S extends Pick<Service, 'source' | 'settings' | 'deployedSpec'>>(service: S): S {
  const deployed = service.deployedSpec;
  return deployed ? { ...service, source: deployed.source, settings: deployed.settings } : service;
}
