import type { ActionId } from './api/types.js';

export type ActionLevel = 'service' | 'environment';

/**
 * Where each action belongs (docs/actions.md#availability). `GET …/actions` lists every action,
 * those of the other level refused with a reason; a Play menu lists only the actions of its own
 * level, since "Deploy latest version" in a service's menu is noise, not a choice.
 */
const LEVELS: Record<ActionId, readonly ActionLevel[]> = {
  DEPLOY: ['service', 'environment'],
  REDEPLOY: ['service', 'environment'],
  STOP: ['service', 'environment'],
  RESTART: ['service'],
  // A service-level Cancel cancels its environment's running request.
  CANCEL: ['service', 'environment'],
  DEPLOY_VERSION: ['service'],
  DEPLOY_LATEST: ['environment'],
  DELETE: ['service', 'environment'],
};

export function offeredAt(action: ActionId, level: ActionLevel): boolean {
  return LEVELS[action]?.includes(level) ?? true;
}
