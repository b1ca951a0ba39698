import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { Builder } from './builder.js';
import type { CronScheduler } from './cron-scheduler.js';
import type { EventBus } from './events.js';
import type { ManagedDatabaseProvider } from './managed-databases/provider.js';
import type { RunningStates } from './running-states.js';
import type { RuntimeResolver } from './runtime-resolver.js';

/** What running a deployment needs from the engine. */
export interface RunnerDeps {
  store: Store;
  events: EventBus;
  runtimes: RuntimeResolver;
  runningStates: RunningStates;
  logger: Logger;
  /** Builds git services; without it their deploys fail with BUILD_ERROR. */
  builder?: Builder;
  /** Slipway's scheduler of cron jobs (docker runtime). */
  scheduler?: CronScheduler;
  /** Drives managed databases; without it their deploys fail saying so. */
  managedDatabases?: ManagedDatabaseProvider;
  managedPollMs?: number;
}
