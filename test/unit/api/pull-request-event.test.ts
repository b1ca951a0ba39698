import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventTime, parsePullRequest } from '../../../src/api/webhooks/pull-request-event.js';

/** Reading pull request payloads (docs/teams.md#preview-environments): fields, forks, malformed events. */

const SHA = 'c'.repeat(40);
const repo = { full_name: 'team/app', clone_url: 'https://git.example.test/team/app.git', ssh_url: 'git@git.example.test:team/app.git' };

function github(over: Record<string, unknown> = {}, pr: Record<string, unknown> = {}) {
  return {
    action: 'opened',
    number: 4,
    pull_request: { html_url: 'https://git.example.test/team/app/pull/4', updated_at: '2026-01-01T10:00:00Z', head: { ref: 'feature', sha: SHA, repo }, base: { ref: 'main', repo }, ...pr },
    repository: repo,
    ...over,
  };
}

test('provider timestamps read as ISO; unreadable ones as unknown', () => {
  const table: Array<[unknown, string | null]> = [
    ['2026-01-01T10:00:00Z', '2026-01-01T10:00:00.000Z'],
    ['2026-01-01T11:00:00+01:00', '2026-01-01T10:00:00.000Z'],
    ['2026-01-01 10:00:00 UTC', '2026-01-01T10:00:00.000Z'],
    ['yesterday', null],
    [undefined, null],
    [1234, null],
  ];
  for (const [input, expected] of table) assert.equal(eventTime(input), expected, String(input));
});

test('a GitHub pull_request event: number, action, head, branch, page, time and the base repository', () => {
  const parsed = parsePullRequest('github', 'pull_request', github());
  assert.deepEqual(parsed, {
    kind: 'pull-request',
    delivery: {
      event: { number: 4, action: 'open', headSha: SHA, branch: 'feature', url: 'https://git.example.test/team/app/pull/4', updatedAt: '2026-01-01T10:00:00.000Z' },
      baseRepositoryUrls: [repo.clone_url, repo.ssh_url],
    },
  });
  assert.equal(parsePullRequest('github', 'push', github()).kind, 'not-a-pull-request');
  assert.equal(parsePullRequest('gitlab', 'Push Hook', {}).kind, 'not-a-pull-request');
});

test('ignored, with the reason: other actions, forks, no number, no head commit, no branch, no repository', () => {
  const table: Array<[unknown, RegExp]> = [
    [github({ action: 'labeled' }), /labeled/],
    [github({}, { head: { ref: 'feature', sha: SHA, repo: { ...repo, full_name: 'someone/app' } } }), /fork/],
    [github({}, { head: { ref: 'feature', sha: SHA, repo: null } }), /fork/],
    [github({ number: 'four' }), /number/],
    [github({ number: 0 }), /number/],
    [github({}, { head: { ref: 'feature', sha: 'main', repo } }), /head commit/],
    [github({}, { head: { ref: '', sha: SHA, repo } }), /head branch/],
    [github({ repository: {} }, { base: { ref: 'main', repo: {} }, head: { ref: 'feature', sha: SHA, repo: {} } }), /repository/],
  ];
  for (const [payload, reason] of table) {
    const parsed = parsePullRequest('github', 'pull_request', payload);
    assert.equal(parsed.kind, 'ignored', JSON.stringify(payload));
    if (parsed.kind === 'ignored') assert.match(parsed.reason, reason);
  }
});

test('a GitLab Merge Request Hook: iid, last commit, source branch; an update without new commits and a fork are ignored', () => {
  const attributes = {
    iid: 9,
    action: 'update',
    oldrev: 'd'.repeat(40),
    last_commit: { id: SHA },
    source_branch: 'feature',
    url: 'https://git.example.test/team/app/-/merge_requests/9',
    updated_at: '2026-01-01 10:00:00 UTC',
    source_project_id: 3,
    target_project_id: 3,
  };
  const body = { project: { git_http_url: repo.clone_url }, object_attributes: attributes };
  assert.deepEqual(parsePullRequest('gitlab', 'Merge Request Hook', body), {
    kind: 'pull-request',
    delivery: {
      event: { number: 9, action: 'update', headSha: SHA, branch: 'feature', url: attributes.url, updatedAt: '2026-01-01T10:00:00.000Z' },
      baseRepositoryUrls: [repo.clone_url],
    },
  });
  const { oldrev: _unused, ...noNewCommits } = attributes;
  assert.equal(parsePullRequest('gitlab', 'Merge Request Hook', { ...body, object_attributes: noNewCommits }).kind, 'ignored');
  assert.equal(parsePullRequest('gitlab', 'Merge Request Hook', { ...body, object_attributes: { ...attributes, source_project_id: 4 } }).kind, 'ignored');
});
