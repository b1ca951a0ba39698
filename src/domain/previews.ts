/**
 * Preview environments (docs/teams.md#preview-environments): one environment `pr-<number>` per
 * open pull request (GitHub) or merge request (GitLab), cloned from the project's blueprint.
 * Which provider event means what, and whether an event acts, given what was handled before
 * for that pull request: events may arrive late, twice or out of order.
 */

/** A project's previews: the environment each preview is cloned from, and whether they are made. */
export interface ProjectPreviews {
  blueprintEnvironmentId: string;
  enabled: boolean;
}

/** What an environment shows when it is a preview: its pull request. */
export interface EnvironmentPreview {
  number: number;
  branch: string;
  /** The pull request's web page. */
  url: string;
}

/** What a pull request event asks for: open (or reopen) a preview, deploy new commits, close it. */
export type PullRequestAction = 'open' | 'update' | 'close';

export interface PullRequestEvent {
  number: number;
  action: PullRequestAction;
  /** The head commit (40 hex digits). */
  headSha: string;
  /** The head branch. */
  branch: string;
  url: string;
  /** When the provider last updated the pull request (ISO), null when the event does not say. */
  updatedAt: string | null;
}

/** What was last handled for one pull request of one project; kept after the preview is deleted. */
export interface PreviewRecord {
  projectId: string;
  number: number;
  /** The preview environment, null while none was created (or its creation failed). */
  environmentId: string | null;
  branch: string;
  url: string;
  headSha: string;
  state: 'open' | 'closed';
  /** The last event handled: its action and `updatedAt`. */
  action: PullRequestAction;
  eventAt: string | null;
  /** Why the last event could not be acted on; null when it was. */
  message: string | null;
  /** Increments on every write: a write that read an older revision is refused. */
  revision: number;
}

export type PreviewDecision =
  | { act: 'create' | 'deploy' | 'delete'; state: 'open' | 'closed' }
  | { act: 'none'; reason: string; state: 'open' | 'closed' | null };

/** The name of the preview environment of pull request `number`. */
export function previewEnvironmentName(number: number): string {
  return `pr-${number}`;
}

/**
 * The action a provider's event names (GitHub `pull_request` `action`; GitLab
 * `object_attributes.action`), or null for one that changes nothing a preview runs (edited,
 * labeled, approved, a GitLab update without new commits).
 */
export function pullRequestActionOf(provider: 'github' | 'gitlab', action: string, hasNewCommits: boolean): PullRequestAction | null {
  if (provider === 'github') {
    if (action === 'opened' || action === 'reopened') return 'open';
    if (action === 'synchronize') return 'update';
    return action === 'closed' ? 'close' : null;
  }
  if (action === 'open' || action === 'reopen') return 'open';
  if (action === 'update') return hasNewCommits ? 'update' : null;
  return action === 'close' || action === 'merge' ? 'close' : null;
}

function stateOf(action: PullRequestAction): 'open' | 'closed' {
  return action === 'close' ? 'closed' : 'open';
}

/** Within one second (providers' times have no finer grain) a pull request is opened, then updated, then closed. */
const ACTION_ORDER: Record<PullRequestAction, number> = { open: 0, update: 1, close: 2 };

/**
 * -1 (older), 0 or 1; null when either time is unknown (then only the head and state decide).
 * At the same time the actions' usual order decides, so that a late `opened` of the same second
 * does not undo a `synchronize`.
 */
function compareEvents(event: PullRequestEvent, record: PreviewRecord): number | null {
  if (event.updatedAt === null || record.eventAt === null) return null;
  const x = Date.parse(event.updatedAt);
  const y = Date.parse(record.eventAt);
  if (Number.isNaN(x) || Number.isNaN(y)) return null;
  return Math.sign(x - y) || Math.sign(ACTION_ORDER[event.action] - ACTION_ORDER[record.action]);
}

/**
 * What an event does, given the record of what was handled last for its pull request and
 * whether that record's environment still exists. An event older than the last one handled
 * does nothing (it must not undo a newer one); so does one that repeats it.
 */
export function decidePreview(record: PreviewRecord | undefined, event: PullRequestEvent, environmentExists: boolean): PreviewDecision {
  const state = stateOf(event.action);
  if (!record) {
    return state === 'closed' ? { act: 'none', reason: 'no preview of this pull request exists', state: 'closed' } : { act: 'create', state };
  }
  const order = compareEvents(event, record);
  if (order === -1) return { act: 'none', reason: `an older event than the last one handled (${record.eventAt})`, state: null };
  // An open preview without its environment (its creation failed) is created by a retry of the same event.
  const unfinished = state === 'open' && record.state === 'open' && !environmentExists;
  if (order === 0 && state === record.state && event.headSha === record.headSha && !unfinished) {
    return { act: 'none', reason: 'this event was handled already', state: null };
  }
  if (state === 'closed') {
    if (record.state === 'closed') return { act: 'none', reason: 'the preview was closed already', state: null };
    return environmentExists ? { act: 'delete', state } : { act: 'none', reason: 'the preview environment no longer exists', state };
  }
  if (record.state === 'closed' && event.action === 'update') return { act: 'none', reason: 'the pull request is closed', state: null };
  if (record.state === 'closed' || !environmentExists) return { act: 'create', state };
  if (event.headSha === record.headSha) return { act: 'none', reason: `the preview already runs ${event.headSha.slice(0, 12)}`, state: null };
  return { act: 'deploy', state };
}
