import { pullRequestActionOf, type PullRequestEvent } from '../../domain/index.js';
import type { Provider } from './push-event.js';

/**
 * Pull request events (docs/teams.md#preview-environments): GitHub `pull_request` and GitLab
 * `Merge Request Hook`, read after their signature verified. What they mean is the domain's
 * (previews.ts); this reads the payload's fields.
 */

export interface PullRequestDelivery {
  event: PullRequestEvent;
  /** The URLs of the repository the pull request merges into (clone, ssh, web). */
  baseRepositoryUrls: string[];
}

export type ParsedPullRequest = { kind: 'pull-request'; delivery: PullRequestDelivery } | { kind: 'ignored'; reason: string } | { kind: 'not-a-pull-request' };

const SHA = /^[0-9a-f]{40}$/;

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function strings(...values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** ISO time of a provider's timestamp (GitHub ISO; GitLab `2026-01-01 10:00:00 UTC` or ISO); null when unreadable. */
export function eventTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const normalised = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/, '$1T$2Z');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function isPullRequestEvent(provider: Provider, eventName: string): boolean {
  return provider === 'github' ? eventName === 'pull_request' : eventName === 'Merge Request Hook';
}

export function parsePullRequest(provider: Provider, eventName: string, payload: unknown): ParsedPullRequest {
  if (!isPullRequestEvent(provider, eventName)) return { kind: 'not-a-pull-request' };
  return provider === 'github' ? parseGithub(record(payload)) : parseGitlab(record(payload));
}

function parseGithub(body: Record<string, unknown>): ParsedPullRequest {
  const pr = record(body.pull_request);
  const head = record(pr.head);
  const base = record(pr.base);
  const action = pullRequestActionOf('github', String(body.action ?? ''), false);
  if (action === null) return { kind: 'ignored', reason: `pull request ${String(body.action ?? '')} events change no preview` };
  const headRepo = record(head.repo);
  const baseRepo = record(Object.keys(record(base.repo)).length > 0 ? base.repo : body.repository);
  if (headRepo.full_name !== baseRepo.full_name) return forkIgnored();
  return delivery({
    number: body.number ?? pr.number,
    action,
    headSha: head.sha,
    branch: head.ref,
    url: pr.html_url,
    updatedAt: eventTime(pr.updated_at),
    baseRepositoryUrls: strings(baseRepo.clone_url, baseRepo.ssh_url, baseRepo.git_url, baseRepo.html_url),
  });
}

function parseGitlab(body: Record<string, unknown>): ParsedPullRequest {
  const attributes = record(body.object_attributes);
  const action = pullRequestActionOf('gitlab', String(attributes.action ?? ''), text(attributes.oldrev) !== null);
  if (action === null) return { kind: 'ignored', reason: `merge request ${String(attributes.action ?? 'events')} without new commits changes no preview` };
  if (attributes.source_project_id !== attributes.target_project_id) return forkIgnored();
  const project = record(body.project);
  const target = record(attributes.target);
  return delivery({
    number: attributes.iid,
    action,
    headSha: record(attributes.last_commit).id,
    branch: attributes.source_branch,
    url: attributes.url,
    updatedAt: eventTime(attributes.updated_at),
    baseRepositoryUrls: strings(project.git_http_url, project.git_ssh_url, project.web_url, target.git_http_url, target.git_ssh_url, target.web_url),
  });
}

function forkIgnored(): ParsedPullRequest {
  // Its code is whoever forked's: never built and run with the project's secrets.
  return { kind: 'ignored', reason: 'pull requests from another repository (a fork) get no preview' };
}

function delivery(fields: {
  number: unknown;
  action: PullRequestEvent['action'];
  headSha: unknown;
  branch: unknown;
  url: unknown;
  updatedAt: string | null;
  baseRepositoryUrls: string[];
}): ParsedPullRequest {
  const { number, headSha, branch, url } = fields;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) return { kind: 'ignored', reason: 'the event names no pull request number' };
  if (typeof headSha !== 'string' || !SHA.test(headSha)) return { kind: 'ignored', reason: 'the event names no head commit' };
  if (typeof branch !== 'string' || branch.length === 0 || branch.length > 255) return { kind: 'ignored', reason: 'the event names no head branch' };
  if (fields.baseRepositoryUrls.length === 0) return { kind: 'ignored', reason: 'the event names no repository' };
  return {
    kind: 'pull-request',
    delivery: {
      event: { number, action: fields.action, headSha, branch, url: typeof url === 'string' ? url.slice(0, 2048) : '', updatedAt: fields.updatedAt },
      baseRepositoryUrls: fields.baseRepositoryUrls,
    },
  };
}
