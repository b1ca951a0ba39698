import type { Deployment } from './api/types.js';

/**
 * What a request acts on, in words: its services by name (a deleted one by the name it had), or
 * "environment" with the services it touched once it started.
 */
export function deploymentSubject(d: Pick<Deployment, 'level' | 'services'>): string {
  const names = d.services.map((s) => s.name ?? 'a deleted service').join(', ');
  if (d.level === 'environment') return names ? `environment (${names})` : 'environment';
  return names || 'service';
}
