import type { InstanceCrash, NotificationEvent, NotificationFormat } from '../domain/index.js';
import type { DeploymentDetail } from '../store/store.js';

/**
 * The bodies of deliveries (docs/notifications.md#what-a-delivery-holds): the `json` body, or
 * a Slack incoming-webhook message made from it. Neither names a secret: versions, names,
 * statuses and the deployment's message (already redacted by the engine).
 */

export interface Named {
  id: string;
  name: string;
}

export type DeploymentEvent = Exclude<NotificationEvent, 'service.crashed'>;

export interface DeploymentPayload {
  event: DeploymentEvent;
  occurredAt: string;
  project: Named;
  environment: Named;
  deployment: {
    id: string;
    action: string;
    status: string;
    message: string | null;
    origin: string;
    triggeredBy: string;
    createdAt: string;
    startedAt: string | null;
    endedAt: string | null;
    rollbackOf?: string;
  };
  services: Array<{ id: string; name: string; type: string; version: string | null; status: string }>;
  link: string;
}

export interface CrashPayload {
  event: 'service.crashed';
  occurredAt: string;
  project: Named;
  environment: Named;
  service: Named & { type: string; deployedVersion: string | null };
  instance: { id: string; version: string | null; restarts: number; exitCode: number | null; reason: string | null };
  link: string;
}

export type Payload = DeploymentPayload | CrashPayload;

export function deploymentPayload(event: DeploymentEvent, project: Named, environment: Named, detail: DeploymentDetail, consoleUrl: string): DeploymentPayload {
  const rollbackOf = detail.request.rollbackOf;
  return {
    event,
    occurredAt: detail.endedAt ?? new Date().toISOString(),
    project: { id: project.id, name: project.name },
    environment: { id: environment.id, name: environment.name },
    deployment: {
      id: detail.id,
      action: detail.request.action,
      status: detail.status,
      message: detail.message,
      origin: detail.origin,
      triggeredBy: detail.triggeredBy,
      createdAt: detail.createdAt,
      startedAt: detail.startedAt,
      endedAt: detail.endedAt,
      ...(rollbackOf ? { rollbackOf } : {}),
    },
    services: detail.stages.flatMap((stage) =>
      stage.services.map((s) => ({ id: s.serviceId, name: s.name, type: s.type, version: s.version, status: s.status })),
    ),
    link: `${consoleUrl}/deployments/${detail.id}`,
  };
}

export function crashPayload(
  project: Named,
  environment: Named,
  service: Named & { type: string; deployedVersion: string | null },
  crash: InstanceCrash,
  occurredAt: string,
  consoleUrl: string,
): CrashPayload {
  return {
    event: 'service.crashed',
    occurredAt,
    project: { id: project.id, name: project.name },
    environment: { id: environment.id, name: environment.name },
    service: { id: service.id, name: service.name, type: service.type, deployedVersion: service.deployedVersion },
    instance: {
      id: crash.instance.id,
      version: crash.instance.version,
      restarts: crash.instance.restarts,
      exitCode: crash.instance.lastExitCode,
      reason: crash.instance.lastExitReason ?? null,
    },
    link: `${consoleUrl}/environments/${environment.id}`,
  };
}

/** The body as sent in this format. */
export function formatBody(payload: Payload, format: NotificationFormat): string {
  if (format === 'json') return JSON.stringify(payload);
  return JSON.stringify({ text: slackText(payload) });
}

/** Slack's mrkdwn: `<url|label>` links, `*bold*`; &, < and > escaped in what users named. */
function slackText(payload: Payload): string {
  const where = `${escape(payload.project.name)}/${escape(payload.environment.name)}`;
  if (payload.event === 'service.crashed') {
    const { service, instance } = payload;
    const exit = instance.exitCode === null ? '' : `, exit code ${instance.exitCode}`;
    const reason = instance.reason ? ` (${escape(instance.reason)})` : '';
    return `:warning: *${escape(service.name)}* in ${where} crashed: instance ${instance.id.slice(0, 12)} exited or restarted${exit}${reason}, ${instance.restarts} restart(s). <${payload.link}|Open the environment>`;
  }
  const { deployment, services } = payload;
  const icon = payload.event === 'deployment.succeeded' ? ':white_check_mark:' : payload.event === 'deployment.failed' ? ':x:' : ':no_entry_sign:';
  const word = payload.event === 'deployment.succeeded' ? 'succeeded' : payload.event === 'deployment.failed' ? 'failed' : 'was canceled';
  const list = services.map((s) => `${escape(s.name)}${s.version ? ` ${escape(s.version)}` : ''} (${s.status})`).join(', ');
  const message = deployment.message ? `: ${escape(deployment.message)}` : '';
  return `${icon} ${deployment.action} on ${where} ${word}${message}. ${list ? `Services: ${list}. ` : ''}<${payload.link}|Open the deployment>`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
