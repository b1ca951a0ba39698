import { DomainError, databaseConnection, isContainerDatabase } from '../../domain/index.js';
import type { Api, ApiDeps } from '../context.js';
import { requireService } from '../context.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { DatabaseConnectionView } from '../schemas/observe.js';

/**
 * A container database's connection with its password in clear (docs/api.md#database-connection):
 * what the console's service page copies. Deployers and admins only: a viewer sees it masked in
 * the service's env, never here.
 */
export function databaseConnectionRoutes(app: Api, { store, controlPlane }: ApiDeps): void {
  app.get(
    '/services/:id/connection',
    {
      config: { access: 'deployer' },
      schema: {
        tags: ['services'],
        summary: "A container database's host, port, user, password, database and URL (the password in clear)",
        params: IdParams,
        response: { 200: DatabaseConnectionView, ...errorResponses(409) },
      },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      // The service exists (404 is for an unknown id): it is of a kind that has no connection.
      if (!isContainerDatabase(service)) throw new DomainError('CONFLICT', `service ${service.name} is not a container database: it has no connection`);
      return databaseConnection(service, await controlPlane.serviceHost(service.id));
    },
  );
}
