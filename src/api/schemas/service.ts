import { Type, type Static } from '@sinclair/typebox';
import { IMAGE_NAME, IMAGE_TAG, Id, Name, Obj } from './common.js';

/**
 * Service sources and settings (docs/resources.md#services). Defaults of settings come from
 * DEFAULT_SERVICE_SETTINGS. Fields with a `default` are optional here: Ajv does not apply defaults
 * inside a union (the service body is one), so the handler fills them in with TypeBox's
 * Value.Default.
 */

/** A path inside the repository: no `..` segment, no NUL. */
const REPO_PATH = '^(?!.*(?:^|/)\\.\\.(?:/|$))[^\\u0000]{1,1024}$';
/** A branch name, by git's check-ref-format rules (the common subset). */
const BRANCH = '^(?!-)(?!.*\\.\\.)(?!.*//)(?!.*@\\{)(?!/)[A-Za-z0-9._/+-]{1,255}(?<!\\.lock)(?<![./])$';
const ENV_KEY = '^[A-Za-z_][A-Za-z0-9_]{0,255}$';
const ABSOLUTE_PATH = '^/(?!.*(?:^|/)\\.\\.(?:/|$))[^\\u0000]{0,1023}$';
/** Five or six cron fields, or a @-shorthand. */
const CRON = '^(?:@(?:yearly|annually|monthly|weekly|daily|midnight|hourly)|(?:[0-9A-Za-z*?/,#L-]+\\s+){4,5}[0-9A-Za-z*?/,#L-]+)$';

export const GitSourceSchema = Obj({
  git: Obj({
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'https://, ssh://, scp-like user@host:path, or file://' }),
    branch: Type.String({ pattern: BRANCH }),
    rootPath: Type.Optional(Type.String({ pattern: REPO_PATH, default: '/' })),
    dockerfilePath: Type.Optional(Type.String({ pattern: REPO_PATH, default: 'Dockerfile' })),
  }),
});

export const ImageRefSchema = Obj({
  name: Type.String({ pattern: IMAGE_NAME, minLength: 1, maxLength: 255 }),
  tag: Type.String({ pattern: IMAGE_TAG }),
});

export const ImageSourceSchema = Obj({ image: ImageRefSchema });

export const DatabaseSourceSchema = Obj({
  engine: Type.Union([Type.Literal('postgresql'), Type.Literal('mysql'), Type.Literal('redis'), Type.Literal('mongodb')]),
  version: Type.String({ pattern: IMAGE_TAG }),
  mode: Type.Optional(Type.Union([Type.Literal('container'), Type.Literal('managed')], { default: 'container' })),
  storageGb: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536, default: 10 })),
  image: Type.Optional(ImageRefSchema),
});

const Command = Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 256 });

export const JobSourceSchema = Obj({
  jobType: Type.Union([Type.Literal('lifecycle'), Type.Literal('cron')]),
  schedule: Type.Optional(Type.String({ pattern: CRON, maxLength: 256, description: 'cron syntax (cron jobs)' })),
  events: Type.Optional(
    Type.Array(Type.Union([Type.Literal('start'), Type.Literal('stop'), Type.Literal('delete')]), {
      uniqueItems: true,
      minItems: 1,
      description: 'lifecycle jobs: when they run',
    }),
  ),
  source: Type.Union([GitSourceSchema, ImageSourceSchema]),
  command: Type.Optional(Command),
  maxDurationSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, default: 3600 })),
  maxRestarts: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 0 })),
});

const ProbeTiming = {
  initialDelaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, default: 0 })),
  periodSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, default: 10 })),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, default: 5 })),
  failureThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 3 })),
};
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const ProbeSchema = Type.Union([
  Obj({ type: Type.Literal('http'), path: Type.String({ pattern: '^/[^\\s]{0,1023}$' }), port: Port, ...ProbeTiming }),
  Obj({ type: Type.Literal('tcp'), port: Port, ...ProbeTiming }),
  Obj({ type: Type.Literal('exec'), command: Command, ...ProbeTiming }),
]);

export const EnvVarSchema = Obj({
  key: Type.String({ pattern: ENV_KEY }),
  value: Type.String({ maxLength: 65536 }),
  secret: Type.Optional(Type.Boolean({ default: false })),
});

/** Every setting optional: creation fills in the defaults, PATCH merges over the current ones. */
export const ServiceSettingsInput = Obj({
  instances: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  cpu: Type.Optional(Type.Integer({ minimum: 10, maximum: 64000, description: 'millicores' })),
  memoryMb: Type.Optional(Type.Integer({ minimum: 16, maximum: 262144 })),
  ports: Type.Optional(
    Type.Array(
      Obj({
        containerPort: Port,
        public: Type.Optional(Type.Boolean({ default: false })),
        protocol: Type.Optional(Type.Union([Type.Literal('http'), Type.Literal('tcp')], { default: 'http' })),
      }),
      { maxItems: 64 },
    ),
  ),
  domains: Type.Optional(
    Type.Array(Obj({ host: Type.String({ minLength: 1, maxLength: 253 }), port: Type.Optional(Port) }), {
      maxItems: 50,
      description: 'custom host names the edge serves the service on; port picks the public http port when there are several',
    }),
  ),
  env: Type.Optional(Type.Array(EnvVarSchema, { maxItems: 1000, description: 'secret values are masked as "********" in responses; send the mask back to keep a value' })),
  healthchecks: Type.Optional(Obj({ readiness: Type.Optional(ProbeSchema), liveness: Type.Optional(ProbeSchema) })),
  startTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  storage: Type.Optional(
    Type.Array(Obj({ mountPath: Type.String({ pattern: ABSOLUTE_PATH }), sizeGb: Type.Integer({ minimum: 1, maximum: 65536 }) }), {
      maxItems: 16,
    }),
  ),
  autoDeploy: Type.Optional(Type.Boolean()),
  command: Type.Optional(Command),
});
export type ServiceSettingsInputT = Static<typeof ServiceSettingsInput>;

const variant = <T extends string, S extends Parameters<typeof Type.Object>[0][string]>(type: T, source: S) =>
  Obj({ name: Name, type: Type.Literal(type), source, settings: Type.Optional(ServiceSettingsInput) });

/** The kinds of service (docs/resources.md#services). */
export const ServiceTypeSchema = Type.Union([Type.Literal('application'), Type.Literal('container'), Type.Literal('database'), Type.Literal('job')]);

/** Creation: the type decides the source (docs/resources.md#services). */
export const CreateServiceBody = Type.Union([
  variant('application', GitSourceSchema),
  variant('container', ImageSourceSchema),
  variant('database', DatabaseSourceSchema),
  variant('job', JobSourceSchema),
]);
export type CreateServiceBodyT = Static<typeof CreateServiceBody>;

/** The source schema for each type, for PATCH (the type never changes). */
export const SOURCE_SCHEMA_BY_TYPE = {
  application: GitSourceSchema,
  container: ImageSourceSchema,
  database: DatabaseSourceSchema,
  job: JobSourceSchema,
} as const;

export const PatchServiceBody = Obj({
  name: Type.Optional(Name),
  // Checked against the service's own type's source schema by the handler: a union here
  // would report every other type's mismatches too.
  source: Type.Optional(
    Type.Object({}, { additionalProperties: true, description: "a source of the service's type, as at creation" }),
  ),
  settings: Type.Optional(ServiceSettingsInput),
  stageId: Type.Optional(Type.Union([Id, Type.Null()])),
  skipEnvironmentActions: Type.Optional(Type.Boolean()),
});
export type PatchServiceBodyT = Static<typeof PatchServiceBody>;

export const DeployBody = Obj({ version: Type.Optional(Type.String({ pattern: IMAGE_TAG, description: 'a commit SHA or an image tag: Deploy other version' })) });
export const DeleteQuery = Obj({
  keepData: Type.Optional(Type.Boolean({ default: false, description: 'keep the volumes' })),
  queue: Type.Optional(Type.Boolean({ default: true })),
});

/**
 * What a Redeploy would apply (docs/actions.md#pending-changes), on every service object the API
 * answers with.
 */
export const PendingChangesFields = {
  pendingChanges: Type.Boolean({ description: 'true when the source or settings differ from what was last deployed (a Redeploy applies them); false for a never-deployed service' }),
  pendingFields: Type.Array(Type.String(), {
    description:
      '"source" (image name/tag, git url/branch/rootPath/dockerfilePath, or a pinned targetVersion that is not the deployedVersion), and each name under settings (instances, cpu, memoryMb, ports, env, healthchecks, storage, command, …) whose value differs from the one deployed',
  }),
};
