import type { Api, ApiDeps } from '../context.js';
import { codeSource, isGitSource, type Service } from '../../domain/index.js';
import { normalizeRepositoryUrl } from '../../build/git-remote.js';
import { ApiError, validationFailed } from '../errors.js';
import { AnyObject, errorResponses } from '../schemas/common.js';
import { hasSignature, parsePush, payloadOf, providerOf, verifySignature } from '../webhooks/push-event.js';

/** Push payloads can be large (many commits); still bounded. */
const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;

/**
 * `POST /webhooks/git` (SPEC §4.2, §9): no bearer token; the push must be signed with the
 * webhook secret of the project that owns the matching services. Each project owning a
 * matching service is tried; services of projects whose secret does not verify are left
 * alone, and when none verifies the answer is 401 and nothing changes.
 */
export function webhookRoutes(app: Api, deps: ApiDeps): void {
  const { store, controlPlane } = deps;
  // The signature covers the raw body: this route (and only it) keeps the body as bytes.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded'],
      { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    const typed = scope as Api;
    typed.post(
      '/webhooks/git',
      {
        bodyLimit: WEBHOOK_BODY_LIMIT,
        config: { access: 'public' },
        schema: {
          tags: ['webhooks'],
          summary: 'Git push events (GitHub X-Hub-Signature-256, GitLab X-Gitlab-Token): Deploy other version for each matching auto-deploy service',
          security: [],
          response: { 200: AnyObject, 202: AnyObject, ...errorResponses() },
        },
      },
      async (request, reply) => {
        const headers = request.headers;
        const provider = providerOf(headers);
        if (!provider) throw new ApiError('VALIDATION_FAILED', 'not a GitHub or GitLab event (X-GitHub-Event or X-Gitlab-Event missing)');
        if (!hasSignature(provider.provider, headers)) throw new ApiError('UNAUTHORIZED', 'the webhook is not signed');
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        let payload: unknown;
        try {
          payload = payloadOf(raw, headers['content-type']);
        } catch {
          throw validationFailed([{ field: 'body', message: 'the body is not a JSON webhook payload' }]);
        }
        const parsed = parsePush(provider.provider, provider.eventName, payload);

        // Every project's secret that could sign it: the projects of matching services for a push.
        const candidates = parsed.kind === 'push' ? await matchingServices(deps, parsed.event.repositoryUrls, parsed.event.branch) : [];
        const projectIds = parsed.kind === 'push' ? [...new Set(candidates.map((c) => c.projectId))] : (await store.listProjects()).map((p) => p.id);
        const verified = new Set<string>();
        for (const projectId of projectIds) {
          const secret = await store.getWebhookSecret(projectId);
          if (secret && verifySignature(provider.provider, headers, raw, secret)) verified.add(projectId);
        }
        if (verified.size === 0) throw new ApiError('UNAUTHORIZED', 'the webhook signature does not match');
        if (parsed.kind === 'ignored') return reply.code(200).send({ ignored: true, reason: parsed.reason, items: [] });

        const items = [];
        for (const { service, projectId } of candidates) {
          if (!verified.has(projectId)) continue;
          // A stopped service stays stopped; services without auto-deploy only list the push.
          if (!service.settings.autoDeploy || service.status === 'STOPPED' || service.status === 'DELETED') continue;
          const result = await controlPlane.submit({
            environmentId: service.environmentId,
            action: 'DEPLOY_VERSION',
            serviceId: service.id,
            version: parsed.event.commit,
            origin: 'GIT',
            triggeredBy: `${provider.provider} push`,
            queue: true,
          });
          items.push({ serviceId: service.id, ...result });
        }
        return reply.code(202).send({ commit: parsed.event.commit, branch: parsed.event.branch, items });
      },
    );
  });
}

/** Git services following one of these repository URLs (normalised) on this branch, with their project. */
async function matchingServices(deps: ApiDeps, urls: readonly string[], branch: string): Promise<Array<{ service: Service; projectId: string }>> {
  const wanted = new Set(urls.map(normalizeRepositoryUrl).filter((u): u is string => u !== null));
  const out: Array<{ service: Service; projectId: string }> = [];
  for (const project of await deps.store.listProjects()) {
    for (const environment of await deps.store.listEnvironments(project.id)) {
      for (const service of await deps.store.listServices(environment.id)) {
        const source = codeSource(service);
        if (!source || !isGitSource(source) || source.git.branch !== branch) continue;
        const url = normalizeRepositoryUrl(source.git.url);
        if (url !== null && wanted.has(url)) out.push({ service, projectId: project.id });
      }
    }
  }
  return out;
}
