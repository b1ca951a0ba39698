import { STOPPABLE_STATUSES, environmentActionAvailability, serviceActionAvailability } from './actions.js';
import type { Service } from './model.js';
import type { RequestedAction } from './requests.js';

type ScopedService = Pick<Service, 'id' | 'status' | 'skipEnvironmentActions'>;

/**
 * The services a request touches when its turn comes (docs/actions.md#what-each-action-does): the
 * one it names, the chosen ones of Deploy latest, or those of the environment not skipped for
 * environment actions — for Stop, only those that can be stopped.
 */
export function servicesTouched<S extends ScopedService>(request: RequestedAction, services: readonly S[]): S[] {
  const live = services.filter((s) => s.status !== 'DELETED');
  if (request.level === 'service' || request.action === 'DEPLOY_LATEST') {
    return live.filter((s) => request.serviceIds.includes(s.id));
  }
  const included = live.filter((s) => !s.skipEnvironmentActions);
  if (request.action === 'STOP') return included.filter((s) => STOPPABLE_STATUSES.has(s.status));
  return included;
}

/** Why a waiting request no longer holds now that its turn came (it ends SKIPPED), or null. */
export function unavailableReason(request: RequestedAction, all: readonly ScopedService[], touched: readonly ScopedService[]): string | null {
  if (request.level === 'service') {
    const service = touched[0];
    if (!service) return 'the service no longer exists';
    const availability = serviceActionAvailability(request.action, service, null);
    return availability.available ? null : (availability.reason ?? 'not available');
  }
  const availability = environmentActionAvailability(
    request.action,
    all.filter((s) => !s.skipEnvironmentActions),
    null,
  );
  if (!availability.available) return availability.reason ?? 'not available';
  if (request.action === 'DEPLOY_LATEST' && touched.length === 0) return 'none of the chosen services exists any more';
  return null;
}
