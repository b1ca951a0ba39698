import type { ApiRequest } from './api-client.js';
import { usageError } from './cli-error.js';
import type { AddressKind } from './address.js';

/** From an action on the command line to the API request that performs it (pure). */

export type CliAction = 'deploy' | 'redeploy' | 'stop' | 'restart' | 'cancel' | 'deploy-latest' | 'delete';

export interface ActionOptions {
  version?: string;
  /** false: refuse with ENVIRONMENT_BUSY instead of waiting in the queue (`--no-queue`). */
  queue?: boolean;
  force?: boolean;
  keepData?: boolean;
  serviceIds?: string[];
}

const SERVICE_ACTIONS: ReadonlySet<CliAction> = new Set(['deploy', 'redeploy', 'stop', 'restart', 'delete']);
const ENVIRONMENT_ACTIONS: ReadonlySet<CliAction> = new Set(['deploy', 'redeploy', 'stop', 'cancel', 'deploy-latest', 'delete']);

export function actionRequest(action: CliAction, target: { kind: AddressKind; id: string }, options: ActionOptions = {}): ApiRequest {
  const queue = options.queue === false ? { queue: false } : {};
  if (target.kind === 'project') throw usageError(`${action} acts on an environment (PROJECT/ENV) or a service (PROJECT/ENV/SERVICE), not a project`);
  if (options.version !== undefined && !(action === 'deploy' && target.kind === 'service')) {
    throw usageError('--version deploys one service: slipway deploy PROJECT/ENV/SERVICE --version V');
  }
  if (target.kind === 'service') {
    if (!SERVICE_ACTIONS.has(action)) {
      throw usageError(action === 'cancel' ? 'cancel acts on an environment: slipway cancel PROJECT/ENV' : `${action} acts on an environment, not a service`);
    }
    if (action === 'delete') return { method: 'DELETE', path: `/services/${target.id}`, query: { ...queue, ...(options.keepData ? { keepData: true } : {}) } };
    return {
      method: 'POST',
      path: `/services/${target.id}/${action}`,
      query: queue,
      ...(options.version !== undefined ? { body: { version: options.version } } : {}),
    };
  }
  if (!ENVIRONMENT_ACTIONS.has(action)) throw usageError(`${action} acts on a service (PROJECT/ENV/SERVICE), not an environment`);
  switch (action) {
    case 'cancel':
      return { method: 'POST', path: `/environments/${target.id}/cancel`, body: { force: options.force ?? false } };
    case 'deploy-latest':
      return { method: 'POST', path: `/environments/${target.id}/deploy-latest`, query: queue, body: { serviceIds: options.serviceIds ?? [] } };
    case 'delete':
      return { method: 'DELETE', path: `/environments/${target.id}`, query: { ...queue, ...(options.keepData ? { keepData: true } : {}) } };
    default:
      return { method: 'POST', path: `/environments/${target.id}/${action}`, query: queue };
  }
}
