import { errorMessage, deployedSpecOf, type DatabaseService } from '../../domain/index.js';
import { DATABASE_ENGINES } from '../databases.js';
import type { TaskContext } from '../service-tasks.js';
import type { TaskOutcome } from '../stage-runner.js';
import { NO_MANAGED_DATABASE_PROVIDER, managedIdentifier, type ManagedDatabaseInfo, type ManagedDatabaseProvider, type ManagedDatabaseSpec } from './provider.js';
import { uncancelableStep, type UncancelableOperation } from '../uncancelable-step.js';

/**
 * A managed database through the actions (SPEC §4.2): Deploy and Redeploy create it (or
 * resume it when paused) and wait until the provider says it is available; Stop pauses it
 * (refused with STOP_ERROR where the provider cannot, e.g. a managed Redis); Delete deletes it,
 * keeping a final snapshot when keepData.
 */

function providerOf(ctx: TaskContext): ManagedDatabaseProvider {
  if (!ctx.managedDatabases) throw new Error(NO_MANAGED_DATABASE_PROVIDER);
  return ctx.managedDatabases;
}

function specOf(service: DatabaseService): ManagedDatabaseSpec {
  const source = service.source;
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

async function waitAvailable(ctx: TaskContext, service: DatabaseService, provider: ManagedDatabaseProvider, log: (m: string) => void): Promise<ManagedDatabaseInfo> {
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
    await new Promise((resolve) => setTimeout(resolve, ctx.managedPollMs ?? 15_000));
  }
}

export async function deployManagedDatabase(ctx: TaskContext, service: DatabaseService): Promise<TaskOutcome> {
  const { journal } = ctx;
  await journal.moveService(service.id, 'DEPLOYING');
  const step = await journal.startStep(service.id, 'DEPLOY');
  const log = (message: string): void => void journal.log(service.id, 'DEPLOY', 'info', message);
  try {
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
    await step.finish('SUCCESS', info.endpoint ? `available at ${info.endpoint.host}:${info.endpoint.port}` : 'available');
    await journal.moveService(service.id, 'DEPLOYED');
    return 'succeeded';
  } catch (err) {
    const canceled = ctx.signal.aborted;
    const message = canceled ? 'canceled while waiting for the provider; the database is left as it is' : errorMessage(err);
    await journal.log(service.id, 'DEPLOY', canceled ? 'warn' : 'error', message);
    await step.finish(canceled ? 'CANCELED' : 'ERROR', message);
    await journal.moveService(service.id, canceled ? 'CANCELED' : 'DEPLOYMENT_ERROR', message);
    return canceled ? 'canceled' : 'failed';
  }
}

/** Stop (pause) and Delete of a managed database; the provider manages its instances, so no Restart. */
export function managedDatabaseOperation(ctx: TaskContext, service: DatabaseService, operation: UncancelableOperation): Promise<TaskOutcome> {
  return uncancelableStep(ctx.journal, service.id, operation, async (op) => {
    const { engine, identifier } = specOf(service);
    if (operation === 'delete' && !ctx.managedDatabases) {
      // Created before providers were required, or its provider was unconfigured since: the
      // row must not stay DELETE_ERROR forever (and its environment with it).
      op.log('warn', `${NO_MANAGED_DATABASE_PROVIDER}; nothing was removed at a provider (${identifier}, if it exists, is left as it is)`);
      return 'deleted from Slipway only: nothing was removed at a provider (none is configured)';
    }
    const provider = providerOf(ctx);
    if (operation === 'stop') {
      await provider.stop(engine, identifier);
      return `${identifier} paused`;
    }
    if (operation === 'delete') {
      await provider.delete(engine, identifier, { keepData: ctx.keepData });
      return `${identifier} deleted${ctx.keepData ? ' (final snapshot kept)' : ''}`;
    }
    throw new Error('Restart of a managed database is not supported: the provider manages its instances');
  });
}
