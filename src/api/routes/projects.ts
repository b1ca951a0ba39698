import type { Api, ApiDeps } from '../context.js';
import { requireProject } from '../context.js';
import { DomainError } from '../../domain/index.js';
import { presentProject } from '../present.js';
import { presentProjectWithPreviews, resolvePreviews } from '../project-previews.js';
import { reaches } from '../project-access.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { ListOf, ProjectCreated, ProjectView } from '../schemas/views.js';
import { CreateProjectBody, PatchProjectBody } from '../schemas/project.js';

export function projectRoutes(app: Api, { store }: ApiDeps): void {
  app.post(
    '/projects',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary: 'Create a project; the answer holds its git webhook secret, this once',
        body: CreateProjectBody,
        response: { 201: ProjectCreated, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const { name } = request.body;
      if ((await store.listProjects()).some((p) => p.name === name)) {
        throw new DomainError('CONFLICT', `a project named ${name} already exists`);
      }
      const project = await store.createProject({ name });
      return reply.code(201).send({ ...presentProject(project), webhookSecret: project.webhookSecret });
    },
  );

  app.get(
    '/projects',
    { config: { access: 'viewer' }, schema: { tags: ['projects'], summary: 'List projects', response: { 200: ListOf(ProjectView), ...errorResponses() } } },
    // A token limited to projects lists those alone (docs/teams.md#project-limited-tokens).
    async (request) => ({
      items: await Promise.all((await store.listProjects()).filter((p) => reaches(request.token, p.id)).map((p) => presentProjectWithPreviews(store, p))),
    }),
  );

  app.get(
    '/projects/:id',
    {
      config: { access: 'viewer' },
      schema: { tags: ['projects'], summary: 'One project', params: IdParams, response: { 200: ProjectView, ...errorResponses() } },
    },
    async (request) => presentProjectWithPreviews(store, await requireProject(store, request.params.id)),
  );

  app.patch(
    '/projects/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['projects'],
        summary:
          'Rename a project (images built from then on are named after the new name) and/or set its preview environments ' +
          '(previews: the blueprint must be an environment of this project; null turns them off); every field is optional',
        params: IdParams,
        body: PatchProjectBody,
        response: { 200: ProjectView, ...errorResponses(409) },
      },
    },
    async (request) => {
      const project = await requireProject(store, request.params.id);
      const { name, previews } = request.body;
      const patch = {
        ...(name !== undefined ? { name } : {}),
        ...(previews !== undefined ? { previews: await resolvePreviews(store, project, previews) } : {}),
      };
      // The store refuses another project's name (CONFLICT) in the update itself.
      return presentProjectWithPreviews(store, await store.updateProject(project.id, patch));
    },
  );
}
