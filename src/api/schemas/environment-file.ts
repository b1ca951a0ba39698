import { Type, type Static } from '@sinclair/typebox';
import { Name, Obj } from './common.js';
import { EnvironmentSettingsInput, RuntimeKindSchema } from './project.js';
import { CreateServiceBody, EnvVarSchema } from './service.js';
import { Open } from './views.js';

/**
 * The environment file (environments as code): one environment, its project, its services with
 * the same `type`, `source` and `settings` as the service API. `POST /apply` takes it as JSON;
 * `GET /schemas/environment.json` serves this schema for editors.
 */

export const EnvironmentFile = Obj(
  {
    apiVersion: Type.Literal('slipway/v1'),
    kind: Type.Literal('Environment'),
    project: Type.Union([Name], { description: 'the project, created if missing' }),
    name: Type.Union([Name], { description: 'the environment, created if missing' }),
    runtime: Type.Optional(Type.Union(RuntimeKindSchema.anyOf, { description: 'docker (default) or kubernetes; fixed once the environment exists' })),
    settings: Type.Optional(EnvironmentSettingsInput),
    variables: Type.Optional(Type.Array(EnvVarSchema, { maxItems: 1000, description: 'environment-scope variables: not available on this server yet (an empty list only)' })),
    services: Type.Array(CreateServiceBody, { maxItems: 500, description: 'the services; one missing from the file is kept unless prune=true' }),
  },
  { description: 'A Slipway environment file (apiVersion slipway/v1, kind Environment)' },
);
export type EnvironmentFileT = Static<typeof EnvironmentFile>;

export const ApplyQuery = Obj({
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'true: answer the plan, change nothing' })),
  prune: Type.Optional(Type.Boolean({ default: false, description: 'true: delete the services the file does not name (the Delete action)' })),
});

export const PlanChangeView = Type.Object(
  {
    op: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete'), Type.Literal('unchanged')]),
    kind: Type.Union([Type.Literal('project'), Type.Literal('environment'), Type.Literal('service'), Type.Literal('variable')]),
    name: Type.String(),
    fields: Type.Optional(Type.Array(Type.String(), { description: 'update: the fields that differ (source.<key>, settings.<key>)' })),
  },
  { additionalProperties: true },
);

export const ApplyResultView = Type.Object(
  {
    projectId: Type.Union([Type.String(), Type.Null()], { description: 'null in a dry run that would create the project' }),
    environmentId: Type.Union([Type.String(), Type.Null()], { description: 'null in a dry run that would create the environment' }),
    dryRun: Type.Boolean(),
    changes: Type.Array(PlanChangeView),
    deletions: Type.Array(
      Type.Object({ service: Type.String(), deploymentId: Type.String() }, { additionalProperties: true }),
      { description: 'prune: the Delete action queued for each service deleted' },
    ),
  },
  { additionalProperties: true, description: 'the plan carried out (or, dryRun, that would be)' },
);

/** What export answers: an environment file (secret values as ${KEY}). */
export const EnvironmentFileView = Open(EnvironmentFile);
