import type { ActionAccepted, DeploymentDetailView } from '../../support/api-client.js';
import type { Slipway } from './helpers.js';

const TERMINAL = new Set(['SUCCESS', 'ERROR', 'CANCELED', 'SKIPPED']);

export interface ActionOutcome {
  accepted: ActionAccepted;
  detail: DeploymentDetailView;
  /** The statuses the service went through on the event stream during this action. */
  path: string[];
}

/**
 * Sends an action and waits (event stream, with a deadline) until its deployment ended; then
 * reads the deployment back. `send` does the POST and returns the 202 body.
 */
export async function runAction(
  slipway: Slipway,
  serviceId: string,
  send: () => Promise<ActionAccepted>,
  timeoutMs = 90_000,
): Promise<ActionOutcome> {
  const since = slipway.events.mark();
  const accepted = await send();
  await slipway.events.waitFor(
    (e) => e.event === 'deployment.status' && (e.data as { deploymentId?: string }).deploymentId === accepted.deploymentId && TERMINAL.has(String((e.data as { status?: string }).status)),
    timeoutMs,
    since,
    `deployment ${accepted.deploymentId} to end`,
  );
  const detail = await slipway.api.waitForDeployment(accepted.deploymentId, 10_000);
  return { accepted, detail, path: slipway.events.statusPath(serviceId, since) };
}

/** The steps of one service in a deployment detail. */
export function stepsOf(detail: DeploymentDetailView, serviceId: string) {
  for (const stage of detail.stages) {
    const service = stage.services.find((s) => s.serviceId === serviceId);
    if (service) return service.steps;
  }
  return [];
}
