import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI 3 document, generated from the route schemas; register before the routes. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Slipway API',
        version: '1',
        description:
          'Slipway, a self-hosted deployment control plane. Every route but the health probes needs `Authorization: Bearer <token>`. ' +
          'Errors answer `{ error: { code, message, details? } }`.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'an API token (admin, deployer or viewer)' } },
      },
      security: [{ bearerAuth: [] }],
    },
  });
}
