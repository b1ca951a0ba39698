import { Type, type Static } from '@sinclair/typebox';
import { Name, Obj } from './common.js';
import { EnvironmentSettingsInput, RuntimeKindSchema } from './project.js';
import { CreateServiceBody, EnvVarSchema } from './service.js';
import { StageName, StageOrder } from './stage.js';
import { Open } from './views.js';

/**
 * The environment file (environments as code): one environment, its project, its services with
 * the same `type`, `source` and `settings` as the service API. `POST /apply` takes it as JSON;
 * `GET /schemas/environment.json` serves this schema for editors.
 */

/** What a file says of a service beyond the service API's creation body: where it runs among the stages. */
const placement = {
  stage: Type.Optional(
    Type.Union([StageName], { description: "the user-defined stage (under the file's stages) the service runs in; left out: its type's default stage" }),
  ),
  skipEnvironmentActions: Type.Optional(Type.Boolean({ default: false, description: 'true: environment-wide actions (Deploy, Stop, …) leave the service out' })),
};
const [application, container, database, job] = CreateServiceBody.anyOf;

/** A service of the file: the creation body (same type, source, settings) and its placement. */
export const EnvironmentFileService = Type.Union([
  Obj({ ...application.properties, ...placement }),
  Obj({ ...container.properties, ...placement }),
  Obj({ ...database.properties, ...placement }),
  Obj({ ...job.properties, ...placement }),
]);
export type EnvironmentFileServiceT = Static<typeof EnvironmentFileService>;

export const EnvironmentFileStage = Obj({ name: StageName, order: StageOrder });

export const EnvironmentFile = Obj(
  {
    apiVersion: Type.Literal('slipway/v1'),
    kind: Type.Literal('Environment'),
    project: Type.Union([Name], { description: 'the project, created if missing' }),
    name: Type.Union([Name], { description: 'the environment, created if missing' }),
    runtime: Type.Optional(Type.Union(RuntimeKindSchema.anyOf, { description: 'docker (default) or kubernetes; fixed once the environment exists' })),
    settings: Type.Optional(EnvironmentSettingsInput),
    stages: Type.Optional(
      Type.Array(EnvironmentFileStage, {
        maxItems: 100,
        description: 'user-defined stages, between the default ones (databases 100, lifecycle jobs 200, cron jobs 300, containers 400, applications 500); one missing from the file is kept unless prune=true',
      }),
    ),
    variables: Type.Optional(
      Type.Array(EnvVarSchema, {
        maxItems: 1000,
        description: 'environment-scope variables: every service of the environment receives them (its own env overrides them); one missing from the file is kept unless prune=true',
      }),
    ),
    services: Type.Array(EnvironmentFileService, { maxItems: 500, description: 'the services; one missing from the file is kept unless prune=true' }),
  },
  { description: 'A Slipway environment file (apiVersion slipway/v1, kind Environment)' },
);
export type EnvironmentFileT = Static<typeof EnvironmentFile>;

export const ApplyQuery = Obj({
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'true: answer the plan, change nothing' })),
  prune: Type.Optional(
    Type.Boolean({ default: false, description: 'true: delete the services (the Delete action), stages and variables the file does not name' }),
  ),
});

export const PlanChangeView = Type.Object(
  {
    op: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete'), Type.Literal('unchanged')]),
    kind: Type.Union([Type.Literal('project'), Type.Literal('environment'), Type.Literal('service'), Type.Literal('variable')]),
    name: Type.String(),
    fields: Type.Optional(
      Type.Array(Type.String(), {
        description: 'update: the fields that differ (a service: source.<key>, settings.<key>, stage, skipEnvironmentActions; the environment: settings.<key>, stages.<name>; a variable: value, secret)',
      }),
    ),
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
export type PlanChangeViewT = Static<typeof PlanChangeView>;
export type ApplyResultViewT = Static<typeof ApplyResultView>;

/** What export answers: an environment file (secret values as ${KEY}). */
export const EnvironmentFileView = Open(EnvironmentFile);
