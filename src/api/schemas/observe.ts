import { Type } from '@sinclair/typebox';
import { Obj, Timestamp } from './common.js';

/** Instances, runtime logs and metrics of a service (docs/api.md#running-services). */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const InstanceView = Type.Object(
  {
    id: Type.String({ description: 'the runtime\'s id: a container id, a pod name' }),
    name: Type.String({ description: 'a container name, a pod name' }),
    version: Nullable(Type.String()),
    ready: Type.Boolean(),
    state: Type.Union(['STARTING', 'RUNNING', 'RESTARTING', 'EXITED', 'TERMINATING', 'UNKNOWN'].map((s) => Type.Literal(s))),
    restarts: Type.Integer({ minimum: 0 }),
    exitCode: Nullable(Type.Integer({ description: 'of its last exit, if it ever exited' })),
    oomKilled: Type.Boolean({ description: 'its last exit was a kill for using too much memory' }),
    startedAt: Nullable(Timestamp),
    node: Nullable(Type.String({ description: 'the Docker host\'s name, the pod\'s node' })),
    cpuPercent: Type.Optional(Type.Number({ description: 'percent of one CPU core (200: two cores busy); absent until measured twice, or where the runtime cannot measure' })),
    memoryBytes: Type.Optional(Type.Number()),
    memoryLimitBytes: Type.Optional(Type.Number()),
  },
  { description: 'one instance of the service, or a run of a job going on' },
);

export const InstanceList = Type.Array(InstanceView);

export const RuntimeLogsQuery = Obj({
  tail: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'the last n lines of each instance; absent: every line the runtime kept' })),
  since: Type.Optional(
    Type.String({ minLength: 2, maxLength: 40, description: 'an ISO-8601 time, or a duration back from now: `30s`, `15m`, `2h`, `1d`' }),
  ),
  instance: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'only this instance: its id (or 12 first characters) or name' })),
  follow: Type.Optional(Type.Boolean({ default: false, description: 'true: the stream stays open and new lines arrive as they are printed' })),
});

export const RuntimeLogLine = Type.Object(
  {
    ts: Type.String({ description: 'when the runtime received the line: ISO-8601, UTC, nine fraction digits' }),
    instance: Type.String(),
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')], { description: 'Kubernetes merges the two: always stdout there' }),
    line: Type.String({ description: 'secret values replaced by ********' }),
  },
  { description: 'one line of NDJSON' },
);

export const MetricsQuery = Obj({
  window: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}(s|m|h|d)$', default: '1h', description: 'how far back: `30m`, `1h`, `24h` (points are kept 24 h)' })),
});

export const MetricsView = Type.Object({
  available: Type.Boolean({ description: 'false where the runtime cannot measure (a cluster without metrics.k8s.io): no points' }),
  intervalSeconds: Type.Integer({ description: 'how often Slipway samples' }),
  points: Type.Array(
    Type.Object({
      ts: Timestamp,
      cpuPercent: Type.Number({ description: 'percent of one CPU core, summed over the instances' }),
      memoryBytes: Type.Number({ description: 'summed over the instances' }),
    }),
  ),
});

export const DatabaseConnectionView = Obj(
  {
    engine: Type.Union([Type.Literal('postgresql'), Type.Literal('mysql'), Type.Literal('redis'), Type.Literal('mongodb')]),
    host: Type.String({ description: 'the host the other services of the environment reach it by' }),
    port: Type.Integer(),
    user: Type.String({ description: 'empty for redis' }),
    password: Type.String(),
    database: Type.String(),
    url: Type.String({ description: 'the password included' }),
  },
  { description: 'how to connect to a container database: its credentials in clear (deployer)' },
);
