import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { installDocumentedErrors } from './documented-errors.js';

/** The OpenAPI 3 document, generated from the route schemas; register before the routes. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  // Before the document's own hook reads the route schemas.
  installDocumentedErrors(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Slipway API',
        version: '1',
        description:
          'Slipway, a self-hosted deployment control plane. Every route but the health probes needs `Authorization: Bearer <token>`. ' +
          'Errors answer `{ error: { code, message, details? } }`; a method a path does not route answers 405 METHOD_NOT_ALLOWED with `Allow`.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API token (admin, deployer or viewer)' } },
      },
      security: [{ bearerAuth: [] }],
    },
    transformObject: (documentObject) => {
      const doc = 'openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject;
      markOptionalBodies(doc as { paths?: Record<string, Record<string, OperationLike>> });
      return doc;
    },
  });
}

interface OperationLike {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { nullable?: boolean } }> };
}

/** Bodies declared `{…} | null` (deploy, cancel) may be left out: say so in the document. */
function markOptionalBodies(doc: { paths?: Record<string, Record<string, OperationLike>> }): void {
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(operations)) {
      const body = op.requestBody;
      if (body && Object.values(body.content ?? {}).some((c) => c.schema?.nullable === true)) body.required = false;
    }
  }
}
