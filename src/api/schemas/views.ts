import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import { PendingChangesFields } from './service.js';

/**
 * What the API answers (present.ts), as the OpenAPI document shows it and the fuzz test checks
 * it. Views stay open (additionalProperties: true): the serializer then passes fields added
 * later through instead of dropping them, and the document promises the fields listed here.
 */

function View<T extends TProperties>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
}

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Str = Type.String();
const When = Type.String({ description: 'ISO-8601, UTC' });

export function ListOf<T extends TSchema>(item: T, description?: string) {
  return View({ items: Type.Array(item), nextCursor: Type.Optional(Str) }, description);
}

export const ProjectView = View({ id: Str, name: Str, createdAt: When });
export const ProjectCreated = View({ ...ProjectView.properties, webhookSecret: Type.String({ description: 'shown this once' }) });

export const TokenView = View({ id: Str, name: Str, role: Str, createdAt: When });
export const TokenCreated = View({ ...TokenView.properties, token: Type.String({ description: 'the secret, shown this once' }) });

const RunningStateView = View({ status: Str, instances: Type.Array(View({})) });
const EndpointView = View({ port: Type.Integer(), protocol: Str, url: Str });

export const EnvironmentView = View({
  id: Str,
  projectId: Str,
  name: Str,
  runtime: Str,
  settings: View({}),
  createdAt: When,
  state: Type.String({ description: 'the deployment status, derived from the services' }),
  runningState: Type.String({ description: 'the running status, derived from the services' }),
});

export const ServiceView = View({
  id: Str,
  environmentId: Str,
  name: Str,
  type: Str,
  source: View({}),
  settings: View({}),
  state: Type.String({ description: 'the deployment status' }),
  statusMessage: Nullable(Str),
  runningState: RunningStateView,
  deployedVersion: Nullable(Str),
  targetVersion: Nullable(Str),
  ...PendingChangesFields,
  stageId: Nullable(Str),
  skipEnvironmentActions: Type.Boolean(),
  endpoints: Type.Array(EndpointView),
  createdAt: When,
  updatedAt: When,
});

export const EnvironmentStatusView = View({
  id: Str,
  state: Str,
  runningState: Str,
  services: Type.Array(
    View({ id: Str, name: Str, type: Str, state: Str, runningState: RunningStateView, deployedVersion: Nullable(Str), ...PendingChangesFields }),
  ),
});

export const DeploymentView = View({
  id: Str,
  environmentId: Str,
  action: Str,
  level: Str,
  serviceIds: Type.Array(Str),
  versions: View({}),
  origin: Str,
  triggeredBy: Str,
  status: Str,
  message: Nullable(Str),
  cancelRequested: Type.Boolean(),
  createdAt: When,
  startedAt: Nullable(When),
  endedAt: Nullable(When),
});

const StepView = View({ name: Str, status: Str, startedAt: Nullable(When), durationMs: Nullable(Type.Number()), message: Nullable(Str) });

export const DeploymentDetailView = View({
  ...DeploymentView.properties,
  stages: Type.Array(
    View({
      name: Str,
      order: Type.Number(),
      status: Str,
      services: Type.Array(View({ serviceId: Str, name: Str, type: Str, version: Nullable(Str), status: Str, steps: Type.Array(StepView) })),
    }),
  ),
});

export const QueueView = View({
  running: Nullable(DeploymentView),
  items: Type.Array(View({ ...DeploymentView.properties, position: Type.Integer({ minimum: 1 }) })),
});

export const LogLineView = View({ seq: Type.Integer(), ts: When, serviceId: Nullable(Str), step: Nullable(Str), level: Str, message: Str });
