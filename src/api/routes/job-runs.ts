import type { Api, ApiDeps } from '../context.js';
import { requireService } from '../context.js';
import { notFound } from '../errors.js';
import type { JobRun } from '../../store/store.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { JobRunList, JobRunLogs, RunsQuery } from '../schemas/job-run.js';

/** Runs of cron jobs (docs/resources.md#jobs): each with its exit code, and its output. */

function presentJobRun(run: JobRun) {
  return {
    id: run.id,
    serviceId: run.serviceId,
    scheduledFor: run.scheduledFor,
    version: run.version,
    status: run.status,
    exitCode: run.exitCode,
    message: run.message,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
  };
}

export function jobRunRoutes(app: Api, { store }: ApiDeps): void {
  app.get(
    '/services/:id/runs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['jobs'],
        summary: 'Runs of a cron job, newest first ({ items }); empty for other services',
        params: IdParams,
        querystring: RunsQuery,
        response: { 200: JobRunList, ...errorResponses() },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      const runs = await store.listJobRuns(service.id, request.query.limit ?? 50);
      return { items: runs.map(presentJobRun) };
    },
  );

  app.get(
    '/job-runs/:id/logs',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['jobs'],
        summary: 'Output lines of one cron job run ({ items })',
        params: IdParams,
        response: { 200: JobRunLogs, ...errorResponses() },
      },
    },
    async (request) => {
      const run = await store.getJobRun(request.params.id);
      if (!run) throw notFound('job run');
      return { items: await store.readJobRunLogs(run.id) };
    },
  );
}
