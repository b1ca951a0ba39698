import type { Deployment } from './api/types.js';
import { actionName } from './status.js';

/**
 * What a request acts on, in words: its services by name (a deleted one by the name it had), or
 * "environment" with the services it touched once it started.
 */
export function deploymentSubject(d: Pick<Deployment, 'level' | 'services'>): string {
  const names = d.services.map((s) => s.name ?? 'a deleted service').join(', ');
  if (d.level === 'environment') return names ? `environment (${names})` : 'environment';
  return names || 'service';
}

const ENDING_WORDS: Record<string, string> = { SUCCESS: 'succeeded', ERROR: 'failed', CANCELED: 'was canceled' };

/** How a request ended, in a sentence: "Redeploy web succeeded", "Deploy broken failed: <why>". */
export function describeOutcome(d: Pick<Deployment, 'action' | 'level' | 'services'>, status: string, message: string | null): string {
  const ending = ENDING_WORDS[status] ?? status.toLowerCase();
  return `${actionName(d.action)} ${deploymentSubject(d)} ${ending}${status === 'ERROR' && message ? `: ${message}` : ''}`;
}
