import type { Store } from '../../store/store.js';

/** What a signed webhook delivery did, for the audit log (docs/teams.md#audit-log). */
export interface WebhookAct {
  projectId: string;
  action: string;
  resourceType: 'environment' | 'service';
  resourceId: string | null;
  /** The names of what the delivery set, never a value. */
  fields: string[];
  /** The webhook's path. */
  path: string;
  statusCode: number;
}

/** A delivery carries no token: its acts are recorded under the token name `webhook`. */
export function auditWebhookAct(store: Pick<Store, 'recordAudit'>, act: WebhookAct): Promise<void> {
  return store.recordAudit({ tokenId: null, tokenName: 'webhook', method: 'POST', ...act });
}
