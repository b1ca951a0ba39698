import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { ACTIONS } from '../../domain/actions.js';
import { RoleSchema, RuntimeKindSchema } from './project.js';
import {
  DatabaseSourceSchema,
  GitSourceSchema,
  ImageSourceSchema,
  JobSourceSchema,
  PendingChangesFields,
  ServiceSettingsInput,
  ServiceTypeSchema,
} from './service.js';

/**
 * What the API answers (present.ts), as the OpenAPI document shows it and the fuzz test checks
 * it. Views stay open (additionalProperties: true): the serializer then passes fields added
 * later through instead of dropping them, and the document promises the fields listed here.
 */

function View<T extends TProperties>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
}

/**
 * An input schema's shape as a response: every object open, and without `default` (the
 * serializer would write a default for a field the stored value lacks) or the input's limits
 * (in a union the serializer picks the branch by validating, and a stored value that no branch
 * accepts would fail the response).
 */
export function Open<T extends TSchema>(schema: T): T {
  const open: Record<string, unknown> = { ...schema };
  for (const limit of ['default', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'uniqueItems']) delete open[limit];
  if (open.type === 'object') open.additionalProperties = true;
  if (schema.properties) open.properties = Object.fromEntries(Object.entries(schema.properties as Record<string, TSchema>).map(([k, v]) => [k, Open(v)]));
  if (schema.items) open.items = Open(schema.items as TSchema);
  if (schema.anyOf) open.anyOf = (schema.anyOf as TSchema[]).map(Open);
  return open as T;
}

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Str = Type.String();
const When = Type.String({ description: 'ISO-8601, UTC' });

export function ListOf<T extends TSchema>(item: T, description?: string) {
  return View({ items: Type.Array(item), nextCursor: Type.Optional(Str) }, description);
}

const ProjectPreviewsView = View(
  {
    blueprintEnvironmentId: Str,
    enabled: Type.Boolean(),
    problem: Nullable(Type.String({ description: 'why no preview can be made now (the blueprint was deleted); null when they can' })),
  },
  'a preview environment per open pull request, cloned from the blueprint',
);

export const ProjectView = View({ id: Str, name: Str, createdAt: When, previews: Nullable(ProjectPreviewsView) });
export const ProjectCreated = View({ ...ProjectView.properties, webhookSecret: Type.String({ description: 'shown this once' }) });

export const TokenView = View({
  id: Str,
  name: Str,
  role: RoleSchema,
  createdAt: When,
  projects: Type.Optional(Type.Array(Str, { description: 'the projects it is limited to; absent: every project' })),
});
export const TokenCreated = View({ ...TokenView.properties, token: Type.String({ description: 'the secret, shown this once' }) });

const InstanceView = View({
  id: Str,
  version: Type.Optional(Nullable(Str)),
  ready: Type.Boolean(),
  restarts: Type.Optional(Type.Integer()),
  lastExitCode: Type.Optional(Nullable(Type.Integer())),
  lastExitReason: Type.Optional(Nullable(Str)),
  startedAt: Type.Optional(Nullable(When)),
});
const RunningStateView = View({ status: Str, instances: Type.Array(InstanceView) });
const TlsView = View({
  status: Type.Union([Type.Literal('PENDING'), Type.Literal('ISSUED'), Type.Literal('ERROR')]),
  reason: Type.Optional(Str),
  notAfter: Type.Optional(Str),
});
const EndpointView = View({ port: Type.Integer(), protocol: Str, url: Str, host: Type.Optional(Str), tls: Type.Optional(TlsView) });

const EnvironmentSettingsView = View({
  maxParallelBuilds: Type.Integer(),
  maxParallelDeploys: Type.Integer(),
  kubeconfig: Type.Optional(Type.String({ description: 'masked as "********"' })),
});

export const EnvironmentView = View({
  id: Str,
  projectId: Str,
  name: Str,
  runtime: RuntimeKindSchema,
  settings: EnvironmentSettingsView,
  createdAt: When,
  state: Type.String({ description: 'the deployment status, derived from the services' }),
  runningState: Type.String({ description: 'the running status, derived from the services' }),
  preview: Nullable(
    View({ number: Type.Integer(), branch: Str, url: Type.String({ description: "the pull request's web page" }) }, 'the pull request this environment previews; null when it is no preview'),
  ),
});

/** Jobs and databases first: a database source may name an image too. */
const ServiceSourceView = Type.Union([Open(JobSourceSchema), Open(DatabaseSourceSchema), Open(GitSourceSchema), Open(ImageSourceSchema)], {
  description: "the source of the service's type; git URLs without credentials",
});

export const ServiceView = View({
  id: Str,
  environmentId: Str,
  name: Str,
  type: ServiceTypeSchema,
  source: ServiceSourceView,
  settings: Open(ServiceSettingsInput),
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
  level: Type.Union([Type.Literal('service'), Type.Literal('environment')]),
  serviceIds: Type.Array(Str),
  services: Type.Array(View({ serviceId: Str, name: Nullable(Str) }), {
    description:
      'the services it touched, with the names they had then (a deleted service keeps its name); while it waits, the ones it names (none: an environment-level request not yet planned); name is null only for a service deleted before the request started',
  }),
  versions: Type.Record(Str, Str, { description: 'the version each service deploys, by service id' }),
  keepData: Type.Optional(Type.Boolean()),
  rollbackOf: Type.Optional(Type.String({ description: 'a rollback: the deployment it goes back to ("Rollback to <deployment>")' })),
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

/** An action on a service or an environment, and why it is not available. */
export const ActionAvailabilityView = Type.Object({
  action: Type.Union(ACTIONS.map((action) => Type.Literal(action))),
  available: Type.Boolean(),
  reason: Type.Optional(Type.String()),
});
export const ActionList = Type.Array(ActionAvailabilityView, { description: 'every action, with why it is not available' });

/** `GET /services/{id}/versions`: recent commits of the branch (git) or the registry's tags (image). */
export const VersionsView = View({
  items: Type.Array(Type.Union([View({ sha: Str, message: Str, author: Str, date: When }), View({ tag: Str })])),
});

/** `GET /environments/{id}/outdated-services`: git services behind their branch, and remotes that could not be read. */
export const OutdatedServicesView = View({
  items: Type.Array(
    View({ id: Str, name: Str, type: ServiceTypeSchema, deployedVersion: Nullable(Str), latestVersion: Type.String({ description: 'the head of the branch' }), branch: Str }),
  ),
  unreadable: Type.Array(View({ id: Str, name: Str, message: Str })),
});

/** The shapes the API answers with, as TypeScript types (the console reads these). */
export type ProjectViewT = Static<typeof ProjectView>;
export type EnvironmentViewT = Static<typeof EnvironmentView>;
export type EnvironmentStatusViewT = Static<typeof EnvironmentStatusView>;
export type ServiceViewT = Static<typeof ServiceView>;
export type RunningStateViewT = Static<typeof RunningStateView>;
export type DeploymentViewT = Static<typeof DeploymentView>;
export type DeploymentDetailViewT = Static<typeof DeploymentDetailView>;
export type QueueViewT = Static<typeof QueueView>;
export type StepViewT = Static<typeof StepView>;
export type LogLineViewT = Static<typeof LogLineView>;
export type ActionAvailabilityViewT = Static<typeof ActionAvailabilityView>;
export type VersionsViewT = Static<typeof VersionsView>;
export type OutdatedServicesViewT = Static<typeof OutdatedServicesView>;
