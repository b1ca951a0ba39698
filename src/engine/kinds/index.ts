import type { ServiceKind } from '../../domain/index.js';
import { containerLike } from './container-like.js';
import { cronJob } from './cron-job.js';
import type { KindHandler } from './kind.js';
import { lifecycleJob } from './lifecycle-job.js';
import { managedDatabase } from './managed-database.js';

/** The handler of each kind of service: a new kind is a new handler and a line here. */
export const KIND_HANDLERS: Readonly<Record<ServiceKind, KindHandler>> = {
  'container-like': containerLike,
  'lifecycle-job': lifecycleJob,
  'cron-job': cronJob,
  'managed-database': managedDatabase,
};

export type { KindContext, KindHandler, KindOutcome } from './kind.js';
