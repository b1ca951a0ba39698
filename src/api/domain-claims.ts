import { claimedHosts, type CustomDomain } from '../domain/edge-hosts.js';
import { DomainError } from '../domain/errors.js';
import type { Store } from '../store/store.js';

/**
 * A host belongs to one service (docs/edge.md#host-names): 409 naming the field when another
 * service (not deleted) already has one of these custom domains.
 */
export async function assertDomainsFree(store: Pick<Store, 'listServicesOfType'>, serviceId: string | null, domains: readonly CustomDomain[], settingsField = 'body/settings'): Promise<void> {
  if (domains.length === 0) return;
  const others: Array<{ serviceId: string; hosts: string[] }> = [];
  for (const type of ['application', 'container', 'database'] as const) {
    for (const s of await store.listServicesOfType(type)) {
      if (s.id === serviceId || s.status === 'DELETED' || !s.settings.domains?.length) continue;
      others.push({ serviceId: s.id, hosts: s.settings.domains.map((d) => d.host) });
    }
  }
  const [taken] = claimedHosts(domains, others);
  if (taken) throw new DomainError('CONFLICT', taken.message, { fields: [{ field: `${settingsField}/domains/${taken.index}/host`, message: taken.message }] });
}
