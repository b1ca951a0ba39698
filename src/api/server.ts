import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type pino from 'pino';
import type { ControlPlane } from '../engine/control-plane.js';
import type { Store } from '../store/store.js';
import { bootstrapAdmin, installAuth } from './auth.js';
import type { AuthFailureLimits } from './auth-failure-limiter.js';
import { findConsoleDir, installConsole } from './console.js';
import type { Api, ApiDeps, GitLookup } from './context.js';
import { frameworkErrors, installErrorHandling, validationFailed } from './errors.js';
import { installMetrics } from './metrics.js';
import { installOpenApi } from './openapi.js';
import { actionRoutes } from './routes/actions.js';
import { jobRunRoutes } from './routes/job-runs.js';
import { observeRoutes } from './routes/observe.js';
import { databaseConnectionRoutes } from './routes/database-connection.js';
import { stageRoutes } from './routes/stages.js';
import { deploymentRoutes } from './routes/deployments.js';
import { environmentRoutes } from './routes/environments.js';
import { environmentFileRoutes } from './routes/environment-files.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes, metricsRoute } from './routes/operations.js';
import { projectRoutes } from './routes/projects.js';
import { queueRoutes } from './routes/queue.js';
import { serviceRoutes } from './routes/services.js';
import { tokenRoutes } from './routes/tokens.js';
import { variableRoutes } from './routes/variables.js';
import { cloneRoutes } from './routes/clone.js';
import { auditRoutes } from './routes/audit.js';
import { installAuditLog } from './audit-log.js';
import { webhookRoutes } from './routes/webhooks.js';
import { installProjectAccess } from './project-access.js';
import { notificationRoutes } from './routes/notifications.js';
import { rollbackRoutes } from './routes/rollback.js';
import { installStreamRevocation } from './stream-revocation.js';
import { installValidation } from './validation.js';
import { RequestLog } from './request-log.js';

import type { DependencyStatus } from '../runtime/dependency-status.js';
import { AddressPolicy } from '../notifications/address-policy.js';

export const API_PREFIX = '/api/v1';
export const BODY_LIMIT = 1024 * 1024;

export interface ServerDeps {
  store: Store;
  controlPlane: ControlPlane;
  listImageTags: (imageName: string) => Promise<string[]>;
  logger: pino.Logger | false;
  bootstrapToken?: string;
  /** Git look-ups for versions and outdated services; without them git services list none. */
  git?: GitLookup;
  /** The built web console to serve at `/`: a directory, false for none; unset finds dist/web. */
  consoleDir?: string | false;
  /** Failed authentications allowed per client address (default 20 a minute). */
  authFailureLimits?: Partial<AuthFailureLimits>;
  /** What the server depends on besides its database (the Docker Engine), for /readyz. */
  dependencies?: () => DependencyStatus[];
  /** Built images can be pushed to a registry (SLIPWAY_REGISTRY set); unset: not known, not checked. */
  buildRegistry?: boolean;
  /** SLIPWAY_APPS_DOMAIN (docs/edge.md#host-names). */
  appsDomain?: string;
  /** Where notifications may be sent (SLIPWAY_NOTIFICATION_ALLOW_HOSTS); unset: the default refusals. */
  notificationPolicy?: AddressPolicy;
}

/** Never log bodies (secret env values) nor credentials. */
const REDACT = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-gitlab-token"]', 'req.body', 'body', 'headers.authorization'],
  censor: '[redacted]',
};

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The HTTP API v1 (docs/api.md), built but not listening: the caller listens. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const fastify = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger.child({ component: 'api' }, { redact: REDACT }), logController: new RequestLog() } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    // Ids in paths are checked by the schemas; a trailing slash is the same route.
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    frameworkErrors,
  });
  // Fastify infers its logger type from the pino instance; the routes use the base logger type.
  const app: Api = (fastify as unknown as FastifyInstance).withTypeProvider<TypeBoxTypeProvider>();

  installValidation(app);
  installErrorHandling(app);

  // An empty JSON body is no body (clients send Content-Type on bodiless POSTs); the rest is
  // Fastify's parser, which refuses __proto__ and constructor poisoning.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    json(request, text, (error, parsed) => {
      // Fastify says "not valid JSON" for valid JSON it refuses: say what is refused.
      if (error && isJson(text)) done(validationFailed([{ field: 'body', message: 'keys named __proto__ (or constructor.prototype) are not accepted' }]), undefined);
      else done(error, parsed);
    });
  });

  installAuth(app, deps.store, deps.authFailureLimits);
  installAuditLog(app, deps.store);
  installProjectAccess(app, deps.store);
  installStreamRevocation(app, deps.store);
  const registry = installMetrics(app, () => deps.controlPlane.currentUsage());
  await installOpenApi(app);

  const apiDeps: ApiDeps = {
    store: deps.store,
    controlPlane: deps.controlPlane,
    listImageTags: deps.listImageTags,
    ...(deps.git ? { git: deps.git } : {}),
    ...(deps.dependencies ? { dependencies: deps.dependencies } : {}),
    ...(deps.buildRegistry !== undefined ? { buildRegistry: deps.buildRegistry } : {}),
    ...(deps.appsDomain !== undefined ? { appsDomain: deps.appsDomain } : {}),
    notificationPolicy: deps.notificationPolicy ?? new AddressPolicy(),
  };

  healthRoutes(app, apiDeps);
  metricsRoute(app, registry);
  await app.register(
    async (api) => {
      const typed = api as Api;
      healthRoutes(typed, apiDeps);
      metricsRoute(typed, registry);
      projectRoutes(typed, apiDeps);
      environmentRoutes(typed, apiDeps);
      environmentFileRoutes(typed, apiDeps);
      serviceRoutes(typed, apiDeps);
      actionRoutes(typed, apiDeps);
      queueRoutes(typed, apiDeps);
      deploymentRoutes(typed, apiDeps);
      jobRunRoutes(typed, apiDeps);
      observeRoutes(typed, apiDeps);
      databaseConnectionRoutes(typed, apiDeps);
      stageRoutes(typed, apiDeps);
      eventRoutes(typed, apiDeps);
      tokenRoutes(typed, apiDeps);
      variableRoutes(typed, apiDeps);
      cloneRoutes(typed, apiDeps);
      auditRoutes(typed, apiDeps);
      webhookRoutes(typed, apiDeps);
      notificationRoutes(typed, apiDeps);
      rollbackRoutes(typed, apiDeps);
      typed.get(
        '/openapi.json',
        { config: { access: 'viewer' }, schema: { hide: true } },
        async () => app.swagger(),
      );
    },
    { prefix: API_PREFIX },
  );

  const consoleDir = deps.consoleDir === undefined ? findConsoleDir() : deps.consoleDir;
  if (consoleDir) await installConsole(app, consoleDir);

  await bootstrapAdmin(deps.store, deps.bootstrapToken);
  await app.ready();
  return app;
}
