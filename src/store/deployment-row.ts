import type { Selectable } from 'kysely';
import type { DeploymentRunStatus, Origin, RequestedAction } from '../domain/index.js';
import type { DeploymentsTable } from './database.js';
import { parseJson } from './dialect.js';
import type { Deployment } from './store.js';

export function toDeployment(row: Selectable<DeploymentsTable>): Deployment {
  return {
    id: row.id,
    environmentId: row.environment_id,
    request: parseJson<RequestedAction>(row.request),
    origin: row.origin as Origin,
    triggeredBy: row.triggered_by,
    status: row.status as DeploymentRunStatus,
    message: row.message,
    cancelRequested: Boolean(row.cancel_requested),
    forceCancel: Boolean(row.force_cancel),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

/** ",id1,id2,": every service the request names, so history can be filtered by service. */
export function requestServicesColumn(request: RequestedAction): string {
  const ids = new Set([...request.serviceIds, ...Object.keys(request.versions)]);
  return `,${[...ids].join(',')},`;
}
