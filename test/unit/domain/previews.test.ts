import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decidePreview,
  previewEnvironmentName,
  pullRequestActionOf,
  type PreviewRecord,
  type PullRequestEvent,
} from '../../../src/domain/index.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

test('which provider event asks for what', () => {
  const table: Array<[provider: 'github' | 'gitlab', action: string, newCommits: boolean, expected: string | null]> = [
    ['github', 'opened', false, 'open'],
    ['github', 'reopened', false, 'open'],
    ['github', 'synchronize', false, 'update'],
    ['github', 'closed', false, 'close'],
    ['github', 'edited', false, null],
    ['github', 'labeled', false, null],
    ['github', 'ready_for_review', false, null],
    ['gitlab', 'open', false, 'open'],
    ['gitlab', 'reopen', false, 'open'],
    ['gitlab', 'update', true, 'update'],
    ['gitlab', 'update', false, null],
    ['gitlab', 'close', false, 'close'],
    ['gitlab', 'merge', false, 'close'],
    ['gitlab', 'approved', false, null],
  ];
  for (const [provider, action, newCommits, expected] of table) {
    assert.equal(pullRequestActionOf(provider, action, newCommits), expected, `${provider} ${action} ${newCommits}`);
  }
  assert.equal(previewEnvironmentName(42), 'pr-42');
});

function record(over: Partial<PreviewRecord> = {}): PreviewRecord {
  return {
    projectId: 'p',
    number: 7,
    environmentId: 'env',
    branch: 'feature',
    url: 'https://example.test/pr/7',
    headSha: A,
    state: 'open',
    action: 'open',
    eventAt: '2026-01-01T10:00:00Z',
    message: null,
    revision: 1,
    ...over,
  };
}

function event(action: PullRequestEvent['action'], headSha: string, updatedAt: string | null): PullRequestEvent {
  return { number: 7, action, headSha, branch: 'feature', url: 'https://example.test/pr/7', updatedAt };
}

const T0 = '2026-01-01T09:00:00Z';
const T1 = '2026-01-01T10:00:00Z';
const T2 = '2026-01-01T11:00:00Z';

test('what an event does, given what was handled last', () => {
  const table: Array<[what: string, before: PreviewRecord | undefined, exists: boolean, ev: PullRequestEvent, act: string, state: string | null]> = [
    ['first opened creates', undefined, false, event('open', A, T1), 'create', 'open'],
    ['a synchronize never seen before creates (previews turned on later)', undefined, false, event('update', A, T1), 'create', 'open'],
    ['closed of an unknown pull request records it closed', undefined, false, event('close', A, T1), 'none', 'closed'],
    ['synchronize to a new head deploys', record(), true, event('update', B, T2), 'deploy', 'open'],
    ['synchronize to the same head does nothing', record(), true, event('update', A, T2), 'none', null],
    ['the same event again does nothing', record(), true, event('open', A, T1), 'none', null],
    ['an older synchronize does nothing', record({ headSha: B, eventAt: T2 }), true, event('update', A, T1), 'none', null],
    ['an older opened after a synchronize does nothing', record({ headSha: B, eventAt: T2 }), true, event('open', A, T0), 'none', null],
    ['closed deletes', record(), true, event('close', A, T2), 'delete', 'closed'],
    ['an older closed does not delete a reopened preview', record({ action: 'open', eventAt: T2 }), true, event('close', A, T1), 'none', null],
    ['closed twice deletes once', record({ state: 'closed', action: 'close', eventAt: T2 }), false, event('close', A, T2), 'none', null],
    ['a later closed after it was closed does nothing', record({ state: 'closed', action: 'close', eventAt: T1 }), false, event('close', A, T2), 'none', null],
    ['a synchronize older than closed does not bring it back', record({ state: 'closed', action: 'close', eventAt: T2 }), false, event('update', B, T1), 'none', null],
    ['a synchronize after closed does not bring it back', record({ state: 'closed', action: 'close', eventAt: T1 }), false, event('update', B, T2), 'none', null],
    ['reopened creates again', record({ state: 'closed', action: 'close', eventAt: T1 }), false, event('open', A, T2), 'create', 'open'],
    ['an open preview whose environment is gone is created again', record({ environmentId: null, message: 'blueprint deleted' }), false, event('update', A, T2), 'create', 'open'],
    ['the same event retried after a failed creation creates', record({ environmentId: null, message: 'failed' }), false, event('open', A, T1), 'create', 'open'],
    ['closed of an open preview whose environment is gone records it closed', record(), false, event('close', A, T2), 'none', 'closed'],
    ['an opened of the same second as the synchronize handled does not undo it', record({ headSha: B, action: 'update' }), true, event('open', A, T1), 'none', null],
    ['a synchronize of the same second as the opened handled deploys', record(), true, event('update', B, T1), 'deploy', 'open'],
    ['a synchronize of the same second as the closed handled does nothing', record({ state: 'closed', action: 'close' }), false, event('update', B, T1), 'none', null],
    ['without times, a new head deploys', record({ eventAt: null }), true, event('update', B, null), 'deploy', 'open'],
    ['without times, the same head does nothing', record({ eventAt: null }), true, event('update', A, null), 'none', null],
  ];
  for (const [what, before, exists, ev, act, state] of table) {
    const decision = decidePreview(before, ev, exists);
    assert.equal(decision.act, act, what);
    assert.equal(decision.state, state, what);
    if (decision.act === 'none') assert.ok(decision.reason.length > 0, what);
  }
});
