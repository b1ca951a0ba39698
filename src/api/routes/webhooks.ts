import { setImmediate } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Api, ApiDeps } from '../context.js';
import { DomainError, codeSource, isGitSource, type Service } from '../../domain/index.js';
import { normalizeRepositoryUrl } from '../../build/git-remote.js';
import { recordAuthFailure, refuseWhileLimited } from '../auth.js';
import { notFound, validationFailed } from '../errors.js';
import { UUID } from '../schemas/common.js';
import { WebhookBody, WebhookHeaders, WebhookProjectParams, webhookResponses } from '../schemas/webhook.js';
import { deliveryKeys, hasSignature, parsePush, payloadOf, providerOf, verifySignature, type Provider } from '../webhooks/push-event.js';
import { parsePullRequest, type PullRequestDelivery } from '../webhooks/pull-request-event.js';
import { handlePullRequest } from '../webhooks/preview-environments.js';
import { auditWebhookAct } from '../webhooks/webhook-audit.js';

/**
 * Bodies are read as bytes and never parsed before a signature verifies. On the project's own
 * path one HMAC decides, so large pushes are fine; the old path tries every project's secret,
 * so its bodies are kept small.
 */
const PROJECT_WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;
const ANY_PROJECT_WEBHOOK_BODY_LIMIT = 1024 * 1024;
const IS_UUID = new RegExp(UUID);

type Headers = FastifyRequest['headers'];

/**
 * `POST /webhooks/git/{projectId}` and `POST /webhooks/git` (docs/api.md#webhooks): no bearer
 * token; the push is signed with a project's webhook secret. Before the body is read: the
 * address's failure limit, the provider's headers, the project. Then the signature on the raw
 * bytes; only then is the body parsed. A delivery seen before answers 200 and does nothing.
 */
export function webhookRoutes(app: Api, deps: ApiDeps): void {
  const { store } = deps;
  void app.register(async (scope) => {
    // The signature covers the raw body: these routes (and only they) keep the body as bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'buffer', bodyLimit: PROJECT_WEBHOOK_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    const typed = scope as Api;

    typed.post(
      '/webhooks/git/:projectId',
      {
        bodyLimit: PROJECT_WEBHOOK_BODY_LIMIT,
        config: { access: 'public' },
        // Everything that needs no body is decided before the body is read.
        onRequest: async (request, reply) => {
          refuseWhileLimited(request, reply);
          requireSigned(request.headers);
          const { projectId } = request.params as { projectId: string };
          // A malformed id is left to the params schema (400); an unknown one is 404.
          if (IS_UUID.test(projectId) && !(await store.getProject(projectId))) throw notFound('project');
        },
        schema: {
          tags: ['webhooks'],
          summary: 'Git push and pull request events for one project, signed with its webhook secret (GitHub X-Hub-Signature-256, GitLab X-Gitlab-Token)',
          description:
            'The signature is checked on the raw body before it is parsed. A signed branch push deploys the pushed commit (Deploy other version) ' +
            'on each auto-deploy service of the project following that repository and branch. A pull request (GitHub pull_request, GitLab Merge Request Hook) ' +
            'creates, deploys or deletes its preview environment pr-<number> when the project has previews; an older or repeated event does nothing (200), ' +
            'and a preview whose blueprint environment was deleted is refused 409 saying so. A delivery id seen before answers 200 and does nothing. ' +
            `Bodies up to ${PROJECT_WEBHOOK_BODY_LIMIT / 1024 / 1024} MiB.`,
          security: [],
          params: WebhookProjectParams,
          headers: WebhookHeaders,
          body: WebhookBody,
          response: webhookResponses(404, 409),
        },
      },
      async (request, reply) => {
        const provider = requireSigned(request.headers);
        const raw = rawBody(request);
        const secret = await store.getWebhookSecret(request.params.projectId);
        if (!secret) throw notFound('project');
        if (!verifySignature(provider.provider, request.headers, raw, secret)) refuseSignature(request);
        return act(deps, request, reply, provider, raw, [request.params.projectId]);
      },
    );

    typed.post(
      '/webhooks/git',
      {
        bodyLimit: ANY_PROJECT_WEBHOOK_BODY_LIMIT,
        config: { access: 'public' },
        onRequest: async (request, reply) => {
          refuseWhileLimited(request, reply);
          requireSigned(request.headers);
        },
        schema: {
          tags: ['webhooks'],
          summary: 'Git push events signed with any project\'s webhook secret (prefer /webhooks/git/{projectId})',
          description:
            'Kept for hooks set up before /webhooks/git/{projectId}: every project\'s secret is tried on the raw body before it is parsed; ' +
            `the projects whose secret verifies are acted on. Bodies up to ${ANY_PROJECT_WEBHOOK_BODY_LIMIT / 1024 / 1024} MiB (413 beyond).`,
          security: [],
          headers: WebhookHeaders,
          body: WebhookBody,
          response: webhookResponses(409),
        },
      },
      async (request, reply) => {
        const provider = requireSigned(request.headers);
        const raw = rawBody(request);
        const verified: string[] = [];
        for (const project of await store.listProjects()) {
          const secret = await store.getWebhookSecret(project.id);
          if (secret && verifySignature(provider.provider, request.headers, raw, secret)) verified.push(project.id);
          // One HMAC of up to 1 MiB per project: let other requests (/healthz) run in between.
          await setImmediate();
        }
        if (verified.length === 0) refuseSignature(request);
        return act(deps, request, reply, provider, raw, verified);
      },
    );
  });
}

/** 400 for a request that is no GitHub or GitLab event, 401 for an unsigned one. */
function requireSigned(headers: Headers): { provider: Provider; eventName: string } {
  const provider = providerOf(headers);
  if (!provider) throw new DomainError('VALIDATION_FAILED', 'not a GitHub or GitLab event (X-GitHub-Event or X-Gitlab-Event missing)');
  if (!hasSignature(provider.provider, headers)) throw new DomainError('UNAUTHORIZED', 'the webhook is not signed');
  return provider;
}

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

function refuseSignature(request: FastifyRequest): never {
  recordAuthFailure(request);
  throw new DomainError('UNAUTHORIZED', 'the webhook signature does not match');
}

/** A verified delivery: refused if seen before, else parsed and acted on for these projects. */
async function act(
  deps: ApiDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  provider: { provider: Provider; eventName: string },
  raw: Buffer,
  projectIds: readonly string[],
): Promise<FastifyReply> {
  const keys = deliveryKeys(provider.provider, request.headers, raw);
  if (!(await deps.store.recordWebhookDelivery(keys))) {
    return reply.code(200).send({ ignored: true, duplicate: true, reason: 'this delivery was received before', items: [] });
  }
  try {
    let payload: unknown;
    try {
      payload = payloadOf(raw, request.headers['content-type']);
    } catch {
      throw validationFailed([{ field: 'body', message: 'the body is not a JSON webhook payload' }]);
    }
    const pullRequest = parsePullRequest(provider.provider, provider.eventName, payload);
    if (pullRequest.kind === 'ignored') return reply.code(200).send({ ignored: true, reason: pullRequest.reason, items: [] });
    if (pullRequest.kind === 'pull-request') return await actOnPullRequest(deps, request, reply, provider.provider, pullRequest.delivery, projectIds);
    const parsed = parsePush(provider.provider, provider.eventName, payload);
    if (parsed.kind === 'ignored') return reply.code(200).send({ ignored: true, reason: parsed.reason, items: [] });

    const items = [];
    const path = webhookPath(request);
    for (const { service, projectId } of await matchingServices(deps, projectIds, parsed.event.repositoryUrls, parsed.event.branch)) {
      // A stopped service stays stopped; services without auto-deploy only list the push.
      if (!service.settings.autoDeploy || service.status === 'STOPPED' || service.status === 'DELETED') continue;
      const result = await deps.controlPlane.submit({
        environmentId: service.environmentId,
        action: 'DEPLOY_VERSION',
        serviceId: service.id,
        version: parsed.event.commit,
        origin: 'GIT',
        triggeredBy: `${provider.provider} push`,
        queue: true,
      });
      items.push({ serviceId: service.id, ...result });
      await auditWebhookAct(deps.store, { projectId, action: 'deploy', resourceType: 'service', resourceId: service.id, fields: ['version'], path, statusCode: 202 });
    }
    return reply.code(202).send({ commit: parsed.event.commit, branch: parsed.event.branch, items });
  } catch (error) {
    // Not acted on (a malformed body, a failure): the provider's retry may act.
    await deps.store.forgetWebhookDelivery(keys).catch(() => undefined);
    throw error;
  }
}

/** A pull request event (docs/teams.md#preview-environments): each project's preview, in turn. */
async function actOnPullRequest(
  deps: ApiDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  provider: Provider,
  delivery: PullRequestDelivery,
  projectIds: readonly string[],
): Promise<FastifyReply> {
  const path = webhookPath(request);
  const previews = [];
  for (const projectId of projectIds) previews.push(await handlePullRequest({ deps, provider, path, delivery }, projectId));
  if (previews.every((p) => p.did === 'nothing')) {
    return reply.code(200).send({ ignored: true, reason: [...new Set(previews.map((p) => p.reason))].join('; '), items: [] });
  }
  return reply.code(202).send({ commit: delivery.event.headSha, branch: delivery.event.branch, items: [], previews });
}

/** Git services of these projects following one of these repository URLs (normalised) on this branch. */
/** The webhook's path as the audit log keeps it (no query, bounded). */
function webhookPath(request: FastifyRequest): string {
  return (request.url.split('?')[0] ?? '').slice(0, 512);
}

async function matchingServices(deps: ApiDeps, projectIds: readonly string[], urls: readonly string[], branch: string): Promise<Array<{ service: Service; projectId: string }>> {
  const wanted = new Set(urls.map(normalizeRepositoryUrl).filter((u): u is string => u !== null));
  const out: Array<{ service: Service; projectId: string }> = [];
  for (const projectId of projectIds) {
    for (const environment of await deps.store.listEnvironments(projectId)) {
      for (const service of await deps.store.listServices(environment.id)) {
        const source = codeSource(service);
        if (!source || !isGitSource(source) || source.git.branch !== branch) continue;
        const url = normalizeRepositoryUrl(source.git.url);
        if (url !== null && wanted.has(url)) out.push({ service, projectId });
      }
    }
  }
  return out;
}
