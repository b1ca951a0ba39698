import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Api, ApiDeps } from '../context.js';
import { originOf, requireEnvironment, requireService, triggeredBy } from '../context.js';
import type { QueuedAction } from '../../domain/index.js';
import { codeSource, isGitSource } from '../../domain/index.js';
import type { SubmitInput } from '../../engine/control-plane.js';
import { validationFailed, type FieldError, toAnswer } from '../errors.js';
import { ActionAccepted, COMMIT_SHA, IdParams, QueueQuery, errorResponses } from '../schemas/common.js';
import { CancelBody, DeployLatestBody } from '../schemas/action.js';
import { DeployBody } from '../schemas/service.js';
import { ActionList, OutdatedServicesView } from '../schemas/views.js';

function who(request: FastifyRequest): Pick<SubmitInput, 'origin' | 'triggeredBy'> {
  return { origin: originOf(request), triggeredBy: triggeredBy(request) };
}

export function actionRoutes(app: Api, deps: ApiDeps): void {
  const { store, controlPlane } = deps;

  app.get(
    '/services/:id/actions',
    {
      config: { access: 'viewer' },
      schema: { tags: ['actions'], summary: 'Actions on a service and their availability', params: IdParams, response: { 200: ActionList, ...errorResponses() } },
    },
    async (request) => {
      const service = await requireService(store, request.params.id);
      return controlPlane.serviceActions(service.id);
    },
  );

  app.get(
    '/environments/:id/actions',
    {
      config: { access: 'viewer' },
      schema: { tags: ['actions'], summary: 'Actions on an environment and their availability', params: IdParams, response: { 200: ActionList, ...errorResponses() } },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      return controlPlane.environmentActions(env.id);
    },
  );

  const accepted = { 202: ActionAccepted, ...errorResponses(409) };

  // POST /services/{id}/deploy: Deploy, or Deploy other version when a version is given.
  app.post(
    '/services/:id/deploy',
    {
      config: { access: 'deployer' },
      schema: {
        tags: ['actions'],
        summary: 'Deploy the service; with { version } (commit SHA or image tag) it is Deploy other version',
        params: IdParams,
        querystring: QueueQuery,
        body: Type.Union([DeployBody, Type.Null()], { description: 'optional' }),
        response: accepted,
      },
    },
    async (request, reply) => {
      const service = await requireService(store, request.params.id);
      const version = request.body?.version;
      const source = codeSource(service);
      if (version !== undefined && source && isGitSource(source) && !new RegExp(COMMIT_SHA).test(version)) {
        throw validationFailed([{ field: 'body/version', message: 'a git service deploys a commit SHA (7–40 hex characters)' }]);
      }
      const result = await controlPlane.submit({
        environmentId: service.environmentId,
        action: version === undefined ? 'DEPLOY' : 'DEPLOY_VERSION',
        serviceId: service.id,
        ...(version === undefined ? {} : { version }),
        ...who(request),
        queue: request.query.queue ?? true,
      });
      return reply.code(202).send(result);
    },
  );

  const serviceAction = (path: string, action: QueuedAction, summary: string) =>
    app.post(
      `/services/:id/${path}`,
      {
        config: { access: 'deployer' },
        schema: { tags: ['actions'], summary, params: IdParams, querystring: QueueQuery, response: accepted },
      },
      async (request, reply) => {
        const service = await requireService(store, request.params.id);
        const result = await controlPlane.submit({
          environmentId: service.environmentId,
          action,
          serviceId: service.id,
          ...who(request),
          queue: request.query.queue ?? true,
        });
        return reply.code(202).send(result);
      },
    );
  serviceAction('redeploy', 'REDEPLOY', 'Redeploy the service');
  serviceAction('stop', 'STOP', 'Stop the service');
  serviceAction('restart', 'RESTART', 'Restart the service');

  const environmentAction = (path: string, action: QueuedAction, summary: string) =>
    app.post(
      `/environments/:id/${path}`,
      {
        config: { access: 'deployer' },
        schema: { tags: ['actions'], summary, params: IdParams, querystring: QueueQuery, response: accepted },
      },
      async (request, reply) => {
        const env = await requireEnvironment(store, request.params.id);
        const result = await controlPlane.submit({ environmentId: env.id, action, ...who(request), queue: request.query.queue ?? true });
        return reply.code(202).send(result);
      },
    );
  environmentAction('deploy', 'DEPLOY', 'Deploy every service of the environment, stage by stage');
  environmentAction('redeploy', 'REDEPLOY', 'Redeploy every service of the environment, whatever its status');
  environmentAction('stop', 'STOP', 'Stop the environment, stages in reverse order');

  app.post(
    '/environments/:id/cancel',
    {
      config: { access: 'deployer' },
      schema: {
        tags: ['actions'],
        summary: 'Cancel the request running on the environment; force=true kills a running lifecycle job',
        params: IdParams,
        querystring: QueueQuery,
        body: Type.Union([CancelBody, Type.Null()], { description: 'optional' }),
        response: accepted,
      },
    },
    async (request, reply) => {
      const env = await requireEnvironment(store, request.params.id);
      const { deploymentId } = await controlPlane.cancel(env.id, { force: request.body?.force ?? false });
      // A request and its deployment are one record: the canceled request is that deployment.
      return reply.code(202).send({ requestId: deploymentId, deploymentId, position: 0, merged: false });
    },
  );

  app.get(
    '/environments/:id/outdated-services',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['actions'],
        summary: 'Git services whose deployed commit is not the head of their branch (Deploy latest version)',
        params: IdParams,
        response: { 200: OutdatedServicesView, ...errorResponses() },
      },
    },
    async (request) => {
      const env = await requireEnvironment(store, request.params.id);
      // Without a git client no head is known, so nothing is outdated.
      if (!deps.git) return { items: [], unreadable: [] };
      const git = deps.git;
      const services = (await store.listServices(env.id)).filter((s) => s.status !== 'DELETED');
      const items = [];
      // A remote that cannot be read is named with its reason, not a failure of the whole list.
      const unreadable = [];
      for (const s of services) {
        const source = codeSource(s);
        if (!source || !isGitSource(source)) continue;
        let head: string;
        try {
          head = await git.headCommit(source.git);
        } catch (error) {
          const answer = toAnswer(error);
          if (answer?.code !== 'UPSTREAM_UNAVAILABLE') throw error;
          unreadable.push({ id: s.id, name: s.name, message: answer.message });
          continue;
        }
        if (s.deployedVersion !== head) {
          items.push({ id: s.id, name: s.name, type: s.type, deployedVersion: s.deployedVersion, latestVersion: head, branch: source.git.branch });
        }
      }
      return { items, unreadable };
    },
  );

  app.post(
    '/environments/:id/deploy-latest',
    {
      config: { access: 'deployer' },
      schema: {
        tags: ['actions'],
        summary: 'Deploy the head of their branch for the chosen git services; they follow their branch again',
        params: IdParams,
        querystring: QueueQuery,
        body: DeployLatestBody,
        response: accepted,
      },
    },
    async (request, reply) => {
      const env = await requireEnvironment(store, request.params.id);
      const services = await store.listServices(env.id);
      const problems: FieldError[] = [];
      request.body.serviceIds.forEach((id, i) => {
        const s = services.find((x) => x.id === id && x.status !== 'DELETED');
        const source = s ? codeSource(s) : null;
        if (!s) problems.push({ field: `body/serviceIds/${i}`, message: 'no such service in this environment' });
        else if (!source || !isGitSource(source)) problems.push({ field: `body/serviceIds/${i}`, message: 'not a git-sourced service' });
      });
      if (problems.length > 0) throw validationFailed(problems);
      const result = await controlPlane.submit({
        environmentId: env.id,
        action: 'DEPLOY_LATEST',
        serviceIds: request.body.serviceIds,
        ...who(request),
        queue: request.query.queue ?? true,
      });
      return reply.code(202).send(result);
    },
  );
}
