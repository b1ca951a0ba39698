import { Type } from '@sinclair/typebox';
import { Id, Obj, Timestamp } from './common.js';

/** A run of a cron job, as `GET /services/{id}/runs` lists it. */
export const JobRunView = Obj(
  {
    id: Id,
    serviceId: Id,
    scheduledFor: Timestamp,
    version: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('RUNNING'), Type.Literal('SUCCEEDED'), Type.Literal('FAILED')]),
    exitCode: Type.Union([Type.Integer(), Type.Null()]),
    message: Type.Union([Type.String(), Type.Null()]),
    startedAt: Timestamp,
    endedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'JobRun' },
);

export const JobRunList = Obj({ items: Type.Array(JobRunView) });

export const JobRunLogs = Obj({
  items: Type.Array(Obj({ seq: Type.Integer(), ts: Timestamp, level: Type.String(), message: Type.String() })),
});

export const RunsQuery = Obj({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});
