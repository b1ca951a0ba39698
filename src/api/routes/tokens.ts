import type { Api, ApiDeps } from '../context.js';
import { DomainError } from '../../domain/index.js';
import { notFound, validationFailed } from '../errors.js';
import { presentToken } from '../present.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { ListOf, TokenCreated, TokenView } from '../schemas/views.js';
import { CreateTokenBody } from '../schemas/project.js';

export function tokenRoutes(app: Api, { store }: ApiDeps): void {
  app.post(
    '/tokens',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token; the answer holds the token itself, this once only',
        body: CreateTokenBody,
        response: { 201: TokenCreated, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const { name, role, projects } = request.body;
      if (projects) {
        const known = new Set((await store.listProjects()).map((p) => p.id));
        const unknown = projects.flatMap((id, i) => (known.has(id) ? [] : [{ field: `body/projects/${i}`, message: `no project ${id}` }]));
        if (unknown.length > 0) throw validationFailed(unknown);
      }
      if ((await store.listTokens()).some((t) => t.name === name)) {
        throw new DomainError('CONFLICT', `a token named ${name} already exists`);
      }
      const created = await store.createToken({ name, role, ...(projects ? { projects } : {}) });
      return reply.code(201).send({ ...presentToken(created), token: created.token });
    },
  );

  app.get(
    '/whoami',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['tokens'],
        summary: 'The token this request carries: its id, name and role (what a client may offer)',
        response: { 200: TokenView, ...errorResponses() },
      },
    },
    async (request) => presentToken(request.token!),
  );

  app.get(
    '/tokens',
    { config: { access: 'admin' }, schema: { tags: ['tokens'], summary: 'List API tokens (never their secrets)', response: { 200: ListOf(TokenView), ...errorResponses() } } },
    async () => ({ items: (await store.listTokens()).map(presentToken) }),
  );

  app.delete(
    '/tokens/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token',
        params: IdParams,
        response: { 204: { type: 'null', description: 'revoked' }, ...errorResponses() },
      },
    },
    async (request, reply) => {
      if (!(await store.deleteToken(request.params.id))) throw notFound('token');
      // Its open event streams end now; other processes notice within seconds.
      request.server.openStreams.revoke(request.params.id);
      return reply.code(204).send();
    },
  );
}
