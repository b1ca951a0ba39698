import { useEffect, useRef } from 'react';
import { useEvents } from '../events.js';
import { useSession } from '../session.js';
import { describeOutcome } from '../deployment-subject.js';
import { useToast } from './Toasts.js';

/**
 * Toasts when a request ends (succeeded, failed, canceled), not only when it is accepted: for the
 * requests started from this tab, and for every request of an environment whose page is shown.
 */

const startedHere = new Set<string>();
const shownEnvironments = new Map<string, number>();

/** Remember a request started from this tab: its end is told wherever the user is. */
export function watchRequest(deploymentId: string): void {
  startedHere.add(deploymentId);
}

/** While the calling page is shown, the ends of every request of this environment are told. */
export function useShownEnvironment(environmentId: string): void {
  useEffect(() => {
    shownEnvironments.set(environmentId, (shownEnvironments.get(environmentId) ?? 0) + 1);
    return () => {
      const n = (shownEnvironments.get(environmentId) ?? 1) - 1;
      if (n > 0) shownEnvironments.set(environmentId, n);
      else shownEnvironments.delete(environmentId);
    };
  }, [environmentId]);
}

/** The ends a toast tells, and its tone. */
const ENDINGS: Record<string, { word: string; tone: 'info' | 'error' }> = {
  SUCCESS: { word: 'succeeded', tone: 'info' },
  ERROR: { word: 'failed', tone: 'error' },
  CANCELED: { word: 'was canceled', tone: 'info' },
};

export function RequestOutcomeToasts() {
  const { client } = useSession();
  const toast = useToast();
  const told = useRef(new Set<string>());
  useEvents((event) => {
    if (!event || event.type !== 'deployment.status') return;
    const ending = ENDINGS[event.status];
    if (!ending || told.current.has(event.deploymentId)) return;
    if (!startedHere.has(event.deploymentId) && !shownEnvironments.has(event.environmentId)) return;
    told.current.add(event.deploymentId);
    startedHere.delete(event.deploymentId);
    client.deployment(event.deploymentId).then(
      (d) => toast(describeOutcome(d, event.status, event.message), ending.tone),
      () => toast(`A request ${ending.word}${event.message ? `: ${event.message}` : ''}`, ending.tone),
    );
  });
  return null;
}
