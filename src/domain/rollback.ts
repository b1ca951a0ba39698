import type { DeployedSpec, Service, ServiceType } from './model.js';
import { typedSource } from './model.js';
import { pendingChanges } from './pending-changes.js';
import type { DeploymentRunStatus } from './requests.js';

/**
 * Rollback to a past deployment (docs/api.md#rollback): each service that deployment deployed
 * gets back the version and the settings it deployed then, pinned to that version, and is
 * deployed. Services deleted since are named and skipped; a deployment that did not succeed,
 * or none of whose services is left, cannot be rolled back to.
 */

/** What a deployment recorded for one service it deployed. */
export interface DeployedRecord {
  serviceId: string;
  name: string;
  type: ServiceType;
  version: string | null;
  spec: DeployedSpec | null;
}

/** What a rollback changes on one service. */
export interface RollbackChange {
  serviceId: string;
  name: string;
  /** The version deployed now, and the one the rollback deploys. */
  fromVersion: string | null;
  toVersion: string;
  /** The source and settings fields the rollback puts back (differing from the service's current ones). */
  fields: string[];
}

export interface RollbackSkip {
  serviceId: string;
  name: string;
  reason: string;
}

export interface RollbackPlan {
  deploymentId: string;
  changes: RollbackChange[];
  skipped: RollbackSkip[];
}

export type RollbackResult = { plan: RollbackPlan } | { refused: string };

export function planRollback(
  deployment: { id: string; status: DeploymentRunStatus },
  deployed: readonly DeployedRecord[],
  current: readonly Service[],
): RollbackResult {
  if (deployment.status !== 'SUCCESS') {
    return { refused: `only a deployment that ended SUCCESS can be rolled back to; this one is ${deployment.status}` };
  }
  if (deployed.length === 0) return { refused: 'this deployment deployed no service (it stopped, restarted or deleted them)' };
  const live = new Map(current.filter((s) => s.status !== 'DELETED').map((s) => [s.id, s]));
  const changes: RollbackChange[] = [];
  const skipped: RollbackSkip[] = [];
  for (const record of deployed) {
    const service = live.get(record.serviceId);
    if (!service) {
      skipped.push({ serviceId: record.serviceId, name: record.name, reason: 'deleted since' });
      continue;
    }
    const restored = record.spec && record.version ? restoredService(service, record.spec) : null;
    if (!restored || !record.version) {
      skipped.push({ serviceId: service.id, name: service.name, reason: 'this deployment did not record what it deployed (it predates rollback)' });
      continue;
    }
    changes.push({ serviceId: service.id, name: service.name, fromVersion: service.deployedVersion, toVersion: record.version, fields: changedFields(service, record.spec!) });
  }
  if (changes.length === 0) {
    const names = skipped.map((s) => `${s.name} (${s.reason})`).join(', ');
    return { refused: `none of the services this deployment deployed can be rolled back: ${names}` };
  }
  return { plan: { deploymentId: deployment.id, changes, skipped } };
}

/** The service with the source and settings a past deploy applied; null when the source is not one its type takes. */
export function restoredService(service: Service, spec: DeployedSpec): Service | null {
  const typed = typedSource(service.type, spec.source);
  if (!typed) return null;
  const base = { ...service, settings: spec.settings };
  switch (typed.type) {
    case 'application':
      return { ...base, ...typed };
    case 'container':
      return { ...base, ...typed };
    case 'database':
      return { ...base, ...typed };
    case 'job':
      return { ...base, ...typed };
  }
}

/** `source` and the settings whose values differ between the service now and what the rollback restores. */
function changedFields(service: Service, spec: DeployedSpec): string[] {
  // The same comparison as pending changes, with the past spec in the place of the deployed one.
  return pendingChanges({ source: service.source, settings: service.settings, deployedVersion: null, targetVersion: null, deployedSpec: spec }).pendingFields;
}
