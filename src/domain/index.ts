// The rules of Slipway (docs/: statuses, environment status, actions, plans, queue) as pure
// functions and types: no I/O, no clock, no randomness.
export * from './statuses.js';
export * from './status-words.js';
export * from './transitions.js';
export * from './errors.js';
export * from './model.js';
export * from './actions.js';
export * from './environment-status.js';
export * from './stages.js';
export * from './spec-hash.js';
export * from './deployed-spec.js';
export * from './pending-changes.js';
export * from './requests.js';
export * from './request-scope.js';
export * from './redact.js';
export * from './git-credentials.js';
export * from './databases.js';
export * from './desired-spec.js';
export * from './deployment-plan.js';
export * from './environment-plan.js';
export * from './variables.js';
export * from './log-time.js';
export * from './notifications.js';
export * from './rollback.js';
export * from './edge-hosts.js';
export * from './previews.js';
