import type { Logger } from 'pino';
import type { DeploymentRecordStore, EnvironmentStore, HostPortStore, ProjectStore, QueueStore, ServiceStore, StageStore, VariableStore } from '../store/store.js';
import type { Builder } from './builder.js';
import type { CronScheduler } from './cron-scheduler.js';
import type { EventBus } from './events.js';
import type { ManagedDatabaseProvider } from './managed-databases/provider.js';
import type { JournalBatch } from './run/journal-batch.js';
import type { RunningStates } from './running-states.js';
import type { RuntimeResolver } from './runtime-resolver.js';

/** The part of the store a deployment's run uses: it reads the environment, moves services, records what happens. */
export type RunnerStore = Pick<ProjectStore, 'getProject'> &
  Pick<EnvironmentStore, 'getEnvironment' | 'deleteEnvironment'> &
  Pick<StageStore, 'listStages'> &
  Pick<VariableStore, 'scopedVariables'> &
  ServiceStore &
  Pick<HostPortStore, 'releaseHostPorts'> &
  DeploymentRecordStore &
  Pick<QueueStore, 'finishDeployment'>;

/** What running a deployment needs from the engine. */
export interface RunnerDeps {
  store: RunnerStore;
  events: EventBus;
  runtimes: RuntimeResolver;
  runningStates: RunningStates;
  /** The engine's batch of status and step writes, shared by the deployments it runs. */
  journalBatch: JournalBatch;
  logger: Logger;
  /** Builds git services; without it their deploys fail with BUILD_ERROR. */
  builder?: Builder;
  /** Slipway's scheduler of cron jobs, for runtimes that do not run schedules themselves. */
  scheduler?: CronScheduler;
  /** Drives managed databases; without it their deploys fail saying so. */
  managedDatabases?: ManagedDatabaseProvider;
  managedPollMs?: number;
}
