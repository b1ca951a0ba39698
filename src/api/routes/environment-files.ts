import type { Api, ApiDeps } from '../context.js';
import { originOf, requireEnvironment, requireProject, triggeredBy } from '../context.js';
import { applyEnvironmentFile } from '../environment-apply.js';
import { exportEnvironmentFile } from '../environment-export.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { ApplyQuery, ApplyResultView, EnvironmentFile, EnvironmentFileView, type EnvironmentFileT } from '../schemas/environment-file.js';
import { Type } from '@sinclair/typebox';
import { serviceInputOptions } from '../service-input.js';

/** Environments as code: apply a file (with a plan), export one, and the file's JSON Schema. */
export function environmentFileRoutes(app: Api, deps: ApiDeps): void {
  const { store, controlPlane } = deps;
  app.post(
    '/apply',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['environments'],
        summary:
          'Apply an environment file: create or update its project, environment and services (nothing is deployed); dryRun=true only answers the plan; prune=true deletes the services it does not name',
        querystring: ApplyQuery,
        body: EnvironmentFile,
        response: { 200: ApplyResultView, ...errorResponses(409) },
      },
    },
    async (request) =>
      applyEnvironmentFile(store, controlPlane, request.body, {
        dryRun: request.query.dryRun ?? false,
        prune: request.query.prune ?? false,
        origin: originOf(request),
        triggeredBy: triggeredBy(request),
        serviceInput: serviceInputOptions(deps),
      }),
  );

  app.get(
    '/environments/:id/export',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['environments'],
        summary: 'The environment as an environment file (services, stages, variables) that apply takes back unchanged; secret values are written as ${KEY}',
        params: IdParams,
        response: { 200: EnvironmentFileView, ...errorResponses() },
      },
    },
    async (request) => {
      const environment = await requireEnvironment(store, request.params.id);
      const project = await requireProject(store, environment.projectId);
      // The stored sources are the schema's sources with their defaults filled in; TypeScript
      // cannot see that a ServiceSource matches its type's branch of the union.
      const [services, stages, variables] = await Promise.all([
        store.listServices(environment.id),
        store.listStages(environment.id),
        store.listVariables({ environmentId: environment.id }),
      ]);
      return exportEnvironmentFile(project, environment, { services, stages, variables }) as unknown as EnvironmentFileT;
    },
  );

  const schemaDocument = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'slipway/v1/environment.json',
    title: 'Slipway environment file',
    ...JSON.parse(JSON.stringify(EnvironmentFile)),
  };
  app.get(
    '/schemas/environment.json',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['environments'],
        summary: 'The JSON Schema of an environment file (for editors)',
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'a JSON Schema (draft-07)' }), ...errorResponses() },
      },
    },
    async () => schemaDocument,
  );
}
