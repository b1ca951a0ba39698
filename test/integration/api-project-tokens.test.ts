import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { PROJECT_OF } from '../../src/api/project-access.js';
import { bearer, SseClient, startHarness, type Harness } from './api-harness.js';

const V = '/api/v1';

/** One project's resources, one of each family a route can name by id. */
interface Resources {
  projects: string;
  environments: string;
  services: string;
  deployments: string;
  'deployment-requests': string;
  stages: string;
  'job-runs': string;
  notifications: string;
}

/**
 * Tokens limited to projects (docs/teams.md#project-limited-tokens): every route of the OpenAPI
 * document that names a resource by id answers 404 for another project's resource, whatever
 * the method and body; routes that span projects filter or refuse.
 */
describe('API: tokens limited to projects', () => {
  let h: Harness;
  let mine: Resources;
  let theirs: Resources;
  let limitedAdmin: string;
  let limitedViewer: string;

  async function resources(name: string): Promise<Resources> {
    const project = await h.store.createProject({ name });
    const env = await h.store.createEnvironment({ projectId: project.id, name: 'staging', runtime: 'docker', settings: { maxParallelBuilds: 2, maxParallelDeploys: 4 } });
    const service = await h.store.createService({
      environmentId: env.id,
      name: 'nightly',
      type: 'job',
      source: { jobType: 'cron', schedule: '0 3 * * *', source: { image: { name: 'registry.test/job', tag: '1.0' } }, maxDurationSeconds: 60, maxRestarts: 0 },
      settings: DEFAULT_SERVICE_SETTINGS,
    });
    const stage = await h.store.createStage({ environmentId: env.id, name: 'early', order: 150 });
    const { deployment } = await h.store.enqueue({
      environmentId: env.id,
      request: { action: 'DEPLOY', level: 'service', serviceIds: [service.id], versions: {} },
      origin: 'API',
      triggeredBy: 'test',
    });
    const run = (await h.store.startJobRun({ serviceId: service.id, environmentId: env.id, scheduledFor: new Date().toISOString(), version: '1.0', staleBefore: new Date(0).toISOString() }))!;
    const notification = await h.store.createNotification({ projectId: project.id, name: 'chat', url: 'https://hooks.example.test/slipway', events: ['deployment.failed'], format: 'json' });
    return { projects: project.id, environments: env.id, services: service.id, deployments: deployment.id, 'deployment-requests': deployment.id, stages: stage.id, 'job-runs': run.id, notifications: notification.id };
  }

  before(async () => {
    h = await startHarness();
    mine = await resources('mine');
    theirs = await resources('theirs');
    limitedAdmin = (await h.store.createToken({ name: 'team-admin', role: 'admin', projects: [mine.projects] })).token;
    limitedViewer = (await h.store.createToken({ name: 'team-viewer', role: 'viewer', projects: [mine.projects] })).token;
  });
  after(async () => h.close());

  test('every route naming another project\'s resource answers 404, as an unknown id does; the same route on its own project does not', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: `${V}/openapi.json`, headers: bearer(h.tokens.viewer) })).json();
    let checked = 0;
    const families = new Set<string>();
    // Deletions last: a synchronous DELETE (a notification) would leave the routes after it nothing to find.
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ path, method })))
      .sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));
    for (const { path, method } of routes) {
      const match = /^\/api\/v1\/([a-z-]+)\/\{id\}/.exec(path);
      // Tokens belong to no project: a limited token is refused them (403, the next test).
      if (!match || match[1] === 'tokens') continue;
      const family = match[1]! as keyof Resources;
      assert.ok(PROJECT_OF[family], `the family of ${path} is traced to its project`);
      assert.ok(family in theirs, `the test has a resource of family ${family}`);
      families.add(family);
      {
        const url = (r: Resources) => path.replace('{id}', r[family]).replace(/\?.*$/, '');
        // A body that is not even valid: the 404 comes first, so nothing is learnt from the body.
        const send = (r: Resources) => h.app.inject({ method: method.toUpperCase() as 'GET', url: url(r), headers: bearer(limitedAdmin), ...(method === 'get' ? {} : { payload: { nonsense: true } }) });
        const foreign = await send(theirs);
        assert.equal(foreign.statusCode, 404, `${method.toUpperCase()} ${url(theirs)}: ${foreign.body}`);
        assert.equal(foreign.json().error.code, 'NOT_FOUND');
        const own = await send(mine);
        assert.notEqual(own.statusCode, 404, `${method.toUpperCase()} ${url(mine)} on its own project: ${own.body}`);
        checked++;
      }
    }
    assert.deepEqual([...families].sort(), Object.keys(PROJECT_OF).sort(), 'every family was tried');
    assert.ok(checked > 40, `${checked} routes checked`);
  });

  test('the routes that span projects: lists filtered, creations of projects and tokens and the server metrics refused (403)', async () => {
    const projects = (await h.app.inject({ method: 'GET', url: `${V}/projects`, headers: bearer(limitedViewer) })).json();
    assert.deepEqual(projects.items.map((p: { id: string }) => p.id), [mine.projects]);
    for (const [method, url, payload] of [
      ['POST', `${V}/projects`, { name: 'sneaky' }],
      ['POST', `${V}/tokens`, { name: 'sneaky', role: 'admin' }],
      ['GET', `${V}/tokens`, undefined],
      ['DELETE', `${V}/tokens/7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11`, undefined],
      ['GET', `${V}/metrics`, undefined],
      ['GET', `/metrics`, undefined],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: bearer(limitedAdmin), ...(payload ? { payload } : {}) });
      assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    }
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/whoami`, headers: bearer(limitedViewer) })).json().projects[0], mine.projects);
    // A limited viewer is still a viewer: admin routes of its own project stay admin-only.
    const patch = await h.app.inject({ method: 'PATCH', url: `${V}/projects/${mine.projects}`, headers: bearer(limitedViewer), payload: { name: 'renamed' } });
    assert.equal(patch.statusCode, 403);
    // A token that reaches every project still does.
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/projects`, headers: bearer(h.tokens.viewer) })).json().items.length, 2);
  });

  test('POST /tokens { projects } creates a limited token, shown with its projects; unknown projects are refused', async () => {
    const admin = bearer(h.tokens.admin);
    const created = await h.app.inject({ method: 'POST', url: `${V}/tokens`, headers: admin, payload: { name: 'ci-mine', role: 'deployer', projects: [mine.projects] } });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().projects, [mine.projects]);
    const listed = (await h.app.inject({ method: 'GET', url: `${V}/tokens`, headers: admin })).json().items.find((t: { name: string }) => t.name === 'ci-mine');
    assert.deepEqual(listed.projects, [mine.projects]);
    const unknown = await h.app.inject({ method: 'POST', url: `${V}/tokens`, headers: admin, payload: { name: 'ci-x', role: 'viewer', projects: ['7d0c1a52-4f7e-4d55-9a34-3b9b8f0e2c11'] } });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.details[0].field, 'body/projects/0');
    const token = created.json().token as string;
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/environments/${theirs.environments}`, headers: bearer(token) })).statusCode, 404);
    assert.equal((await h.app.inject({ method: 'GET', url: `${V}/environments/${mine.environments}`, headers: bearer(token) })).statusCode, 200);
  });

  test('GET /events: a limited token hears its projects alone', async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const limited = new SseClient(`${base}${V}/events`, bearer(limitedViewer));
    const everyone = new SseClient(`${base}${V}/events`, bearer(h.tokens.viewer));
    try {
      await limited.until(() => limited.statusCode === 200, 'the limited stream open');
      await everyone.until(() => everyone.statusCode === 200, 'the full stream open');
      for (const projectId of [theirs.projects, mine.projects]) {
        h.cp.events.publish({ type: 'deployment.log', projectId, environmentId: 'e', deploymentId: `d-${projectId}` });
      }
      await everyone.until(() => everyone.events.length >= 2, 'both events on the full stream');
      await limited.until(() => limited.events.length >= 1, 'its own event');
      // Published after the other project's: had that one reached the limited stream, it would be here by now.
      assert.deepEqual(limited.events.map((e) => (e.data as { projectId: string }).projectId), [mine.projects]);
    } finally {
      limited.close();
      everyone.close();
    }
  });
});
