import { DATABASE_ENGINES, deployedSpecOf, type DatabaseSource, type Service } from '../../domain/index.js';
import { NO_MANAGED_DATABASE_PROVIDER, managedIdentifier, type ManagedDatabaseInfo, type ManagedDatabaseProvider, type ManagedDatabaseSpec } from '../managed-databases/provider.js';
import type { KindContext, KindHandler } from './kind.js';
import { runStep, STEP_SHAPES, UNCANCELABLE } from './step.js';

/**
 * A managed database (docs/resources.md): Deploy and Redeploy create it (or resume it when
 * paused) and wait until the provider says it is available; Stop pauses it (refused with
 * STOP_ERROR where the provider cannot, e.g. a managed Redis); Delete deletes it, keeping a
 * final snapshot when keepData. The provider manages its instances, so there is no Restart.
 */
export const managedDatabase: KindHandler = {
  deploy: (ctx, { service }) =>
    runStep(ctx.journal, service.id, STEP_SHAPES.deploy, { signal: ctx.signal, canceledMessage: 'canceled while waiting for the provider; the database is left as it is' }, async (op) => {
      const log = (message: string): void => op.log('info', message);
      const provider = providerOf(ctx);
      const spec = specOf(service);
      const existing = await provider.describe(spec.engine, spec.identifier);
      if (!existing) {
        log(`creating ${spec.engine} ${spec.version} as ${spec.identifier} at ${provider.name}`);
        await provider.create(spec);
      } else if (existing.state === 'stopped') {
        log(`starting ${spec.identifier} again`);
        await provider.start(spec.engine, spec.identifier);
      }
      const info = await waitAvailable(ctx, service, provider, log);
      await ctx.store.setDeployedState(service.id, { deployedVersion: spec.version, deployedSpecHash: null, deployedSpec: deployedSpecOf(service) });
      return info.endpoint ? `available at ${info.endpoint.host}:${info.endpoint.port}` : 'available';
    }),

  stop: (ctx, { service }) =>
    runStep(ctx.journal, service.id, STEP_SHAPES.stop, UNCANCELABLE, async () => {
      const { engine, identifier } = specOf(service);
      await providerOf(ctx).stop(engine, identifier);
      return `${identifier} paused`;
    }),

  restart: (ctx, { service }) =>
    runStep(ctx.journal, service.id, STEP_SHAPES.restart, UNCANCELABLE, () => {
      throw new Error('Restart of a managed database is not supported: the provider manages its instances');
    }),

  delete: (ctx, { service }) =>
    runStep(ctx.journal, service.id, STEP_SHAPES.delete, UNCANCELABLE, async (op) => {
      const { engine, identifier } = specOf(service);
      if (!ctx.managedDatabases) {
        // Created before providers were required, or its provider was unconfigured since: the
        // row must not stay DELETE_ERROR forever (and its environment with it).
        op.log('warn', `${NO_MANAGED_DATABASE_PROVIDER}; nothing was removed at a provider (${identifier}, if it exists, is left as it is)`);
        return 'deleted from Slipway only: nothing was removed at a provider (none is configured)';
      }
      await ctx.managedDatabases.delete(engine, identifier, { keepData: ctx.keepData });
      return `${identifier} deleted${ctx.keepData ? ' (final snapshot kept)' : ''}`;
    }),
};

function providerOf(ctx: KindContext): ManagedDatabaseProvider {
  if (!ctx.managedDatabases) throw new Error(NO_MANAGED_DATABASE_PROVIDER);
  return ctx.managedDatabases;
}

function databaseSourceOf(service: Service): DatabaseSource {
  if (service.type !== 'database') throw new Error(`service ${service.name} is not a database`);
  return service.source;
}

function specOf(service: Service): ManagedDatabaseSpec {
  const source = databaseSourceOf(service);
  const keys = DATABASE_ENGINES[source.engine].keys;
  const env = Object.fromEntries(service.settings.env.map((v) => [v.key, v.value]));
  return {
    identifier: managedIdentifier(service.id),
    engine: source.engine,
    version: source.version,
    storageGb: source.storageGb,
    user: (keys.user && env[keys.user]) || 'slipway',
    password: env[keys.password] ?? '',
    database: (keys.database && env[keys.database]) || 'slipway',
  };
}

async function waitAvailable(ctx: KindContext, service: Service, provider: ManagedDatabaseProvider, log: (m: string) => void): Promise<ManagedDatabaseInfo> {
  const { identifier, engine } = specOf(service);
  const deadline = Date.now() + service.settings.startTimeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const info = await provider.describe(engine, identifier);
    if (!info) throw new Error(`${identifier} does not exist at ${provider.name}`);
    if (info.providerStatus !== last) log(`${identifier}: ${info.providerStatus}`);
    last = info.providerStatus;
    if (info.state === 'available') return info;
    if (info.state === 'failed') throw new Error(`${identifier} failed at ${provider.name} (${info.providerStatus})`);
    if (Date.now() > deadline) throw new Error(`${identifier} not available within startTimeoutSeconds (${service.settings.startTimeoutSeconds} s): ${info.providerStatus}`);
    ctx.signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, ctx.managedPollMs));
  }
}
