import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS } from '../../src/domain/index.js';
import { describeOnEachBackend } from './store-backends.js';

/** What migration 0005 keeps (docs/teams.md): shared variables, project-limited tokens, the audit log. */

describeOnEachBackend('teams: variables, limited tokens, audit', (s) => {
  it('keeps variables per scope in order, secret values encrypted at rest; a replace is whole', async () => {
    const project = await s.store.createProject({ name: `vars-${s.backend.name}` });
    const env = await s.store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    await s.store.replaceVariables({ projectId: project.id }, [
      { key: 'LOG', value: 'info', secret: false },
      { key: 'API_KEY', value: 'project-secret-value', secret: true },
    ]);
    await s.store.replaceVariables({ environmentId: env.id }, [{ key: 'LOG', value: 'debug', secret: false }]);
    assert.deepEqual(await s.store.scopedVariables(env), {
      project: [
        { key: 'LOG', value: 'info', secret: false },
        { key: 'API_KEY', value: 'project-secret-value', secret: true },
      ],
      environment: [{ key: 'LOG', value: 'debug', secret: false }],
    });
    const raw = await s.backend.rawRows('select key, value from variables where project_id = $1', [project.id]);
    assert.equal(raw.length, 2);
    assert.ok(!JSON.stringify(raw).includes('project-secret-value'), 'the secret value is not stored in clear');
    // Another store on the same database (another process) reads them back with the same key.
    const other = await s.backend.openStore();
    assert.equal((await other.listVariables({ projectId: project.id }))[1]!.value, 'project-secret-value');

    await s.store.replaceVariables({ projectId: project.id }, [{ key: 'ONLY', value: '1', secret: false }]);
    assert.deepEqual(await s.store.listVariables({ projectId: project.id }), [{ key: 'ONLY', value: '1', secret: false }]);
    assert.deepEqual(await s.store.listVariables({ environmentId: env.id }), [{ key: 'LOG', value: 'debug', secret: false }], 'the other scope is untouched');

    await s.store.deleteEnvironment(env.id);
    assert.deepEqual(await s.backend.rawRows('select key from variables where environment_id = $1', [env.id]), [], 'they go with their environment');
  });

  it('keeps the projects a token is limited to; a token without them reaches every project', async () => {
    const limited = await s.store.createToken({ name: `limited-${s.backend.name}`, role: 'deployer', projects: ['p1', 'p2'] });
    const everywhere = await s.store.createToken({ name: `all-${s.backend.name}`, role: 'viewer' });
    assert.deepEqual((await s.store.authenticate(limited.token))!.projects, ['p1', 'p2']);
    assert.equal((await s.store.authenticate(everywhere.token))!.projects, undefined);
    assert.deepEqual((await s.store.listTokens()).find((t) => t.id === limited.id)!.projects, ['p1', 'p2']);
  });

  it('lists the audit log newest first, by project, since a time, page by page', async () => {
    const base = { tokenId: 't1', tokenName: 'ci', resourceType: 'service', resourceId: 'r', fields: ['settings.env'], method: 'PATCH', path: '/x', statusCode: 200 };
    for (let i = 0; i < 5; i++) await s.store.recordAudit({ ...base, action: `a${i}`, projectId: i % 2 === 0 ? 'even' : 'odd' });
    const first = await s.store.listAudit({ projectId: 'even' }, { limit: 2 });
    assert.deepEqual(first.items.map((e) => e.action), ['a4', 'a2']);
    assert.ok(first.nextCursor);
    const second = await s.store.listAudit({ projectId: 'even' }, { limit: 2, cursor: first.nextCursor! });
    assert.deepEqual(second.items.map((e) => e.action), ['a0']);
    assert.equal(second.nextCursor, undefined);
    assert.deepEqual(second.items[0]!.fields, ['settings.env']);
    assert.deepEqual((await s.store.listAudit({ projectIds: ['odd'] }, { limit: 10 })).items.map((e) => e.action), ['a3', 'a1']);
    assert.deepEqual((await s.store.listAudit({ projectIds: [] }, { limit: 10 })).items, []);
    s.backend.advanceClock(60_000);
    const since = new Date(Date.now() + 30_000).toISOString();
    await s.store.recordAudit({ ...base, action: 'later', projectId: 'even' });
    assert.deepEqual((await s.store.listAudit({ since }, { limit: 10 })).items.map((e) => e.action), ['later']);
  });

  it('filters the audit log by token name, action, resource and a time window, all together', async () => {
    const projectId = `filters-${s.backend.name}`;
    const base = { tokenId: 't1', fields: [], method: 'POST', path: '/x', statusCode: 200, projectId };
    await s.store.recordAudit({ ...base, tokenName: 'alice', action: 'deploy', resourceType: 'service', resourceId: 's1' });
    await s.store.recordAudit({ ...base, tokenName: 'bob', action: 'deploy', resourceType: 'service', resourceId: 's2' });
    const [early] = (await s.store.listAudit({ projectId }, { limit: 1 })).items;
    s.backend.advanceClock(60_000);
    const middle = new Date(Date.parse(early!.at) + 30_000).toISOString();
    await s.store.recordAudit({ ...base, tokenName: 'alice', action: 'update', resourceType: 'project.variables', resourceId: 'p1' });
    const list = async (filter: Record<string, string>) => (await s.store.listAudit({ projectId, ...filter }, { limit: 10 })).items.map((e) => `${e.tokenName} ${e.action} ${e.resourceId}`);
    assert.deepEqual(await list({ tokenName: 'alice' }), ['alice update p1', 'alice deploy s1']);
    assert.deepEqual(await list({ action: 'deploy' }), ['bob deploy s2', 'alice deploy s1']);
    assert.deepEqual(await list({ resourceType: 'project.variables' }), ['alice update p1']);
    assert.deepEqual(await list({ resourceId: 's2' }), ['bob deploy s2']);
    assert.deepEqual(await list({ until: middle }), ['bob deploy s2', 'alice deploy s1']);
    assert.deepEqual(await list({ since: middle }), ['alice update p1']);
    assert.deepEqual(await list({ tokenName: 'alice', action: 'deploy', until: middle }), ['alice deploy s1']);
    assert.deepEqual(await list({ tokenName: 'carol' }), []);
  });
});
