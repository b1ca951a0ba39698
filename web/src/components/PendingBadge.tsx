import type { Service } from '../api/types.js';

/** "env, instances", or a word when the server names no field. */
export function pendingFieldsText(service: Pick<Service, 'pendingFields'>): string {
  const fields = service.pendingFields ?? [];
  return fields.length > 0 ? fields.join(', ') : 'settings';
}

/**
 * Amber badge for a service edited since its last deploy: the edit waits for a Redeploy
 * (Restart does not apply it). The fields are in its tooltip and in its accessible name.
 */
export function PendingBadge({ service }: { service: Pick<Service, 'pendingChanges' | 'pendingFields'> }) {
  if (!service.pendingChanges) return null;
  const fields = pendingFieldsText(service);
  return (
    <span
      className="badge tone-warning pending-badge"
      data-testid="pending-changes"
      data-tone="warning"
      data-fields={fields}
      title={`Pending changes: ${fields}. Redeploy applies them.`}
    >
      <span className="badge-dot" aria-hidden="true" />
      Pending changes
      <span className="visually-hidden">: {fields}</span>
    </span>
  );
}
