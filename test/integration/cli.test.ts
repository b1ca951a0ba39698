import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { cleanupEnvironments } from '../support/docker-cleanup.js';
import { APP_PORT, testImages } from '../support/images.js';
import { SlipwayProcess } from '../support/slipway-process.js';

/**
 * The `slipway` CLI as a user runs it: a child process (stdout and stderr are pipes, so not a
 * terminal) against a real `slipway server` on SQLite and the real Docker Engine. Exit codes,
 * --json outputs, apply/export round trips, compose import, and deploy --watch to SUCCESS and
 * to DEPLOYMENT_ERROR.
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(REPO, 'src/cli/main.ts');
const FIXTURES = join(REPO, 'test/fixtures/compose');
const CLI_TIMEOUT_MS = 150_000;

let server: SlipwayProcess;
let home: string;
const environments = new Set<string>();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `slipway ARGS` with its own config dir; SLIPWAY_URL/TOKEN only when given. */
function slipway(args: string[], env: Record<string, string> = {}, configHome = join(home, 'config')): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome, NO_COLOR: '', ...env };
  delete childEnv.SLIPWAY_URL;
  delete childEnv.SLIPWAY_TOKEN;
  for (const [k, v] of Object.entries(env)) childEnv[k] = v;
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

function expectExit(run: Run, code: number, what: string): void {
  assert.equal(run.code, code, `${what}: exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

async function envId(path: string): Promise<string> {
  const got = await slipway(['get', path, '--json']);
  expectExit(got, 0, `get ${path}`);
  const id = (JSON.parse(got.stdout) as { id: string }).id;
  environments.add(id);
  return id;
}

const ESC = '\u001b';

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  server = await SlipwayProcess.start({ edgePorts: '24300-24399', name: 'cli' });
});

after(async () => {
  await server?.dispose();
  await cleanupEnvironments(environments);
  if (home) await rm(home, { recursive: true, force: true });
});

describe('contexts and exit codes', () => {
  test('no server configured: exit 2 saying how to log in', async () => {
    const run = await slipway(['projects']);
    expectExit(run, 2, 'projects without a context');
    assert.match(run.stderr, /slipway login --url URL --token TOKEN/);
  });

  test('login: a wrong token exits 5, an unreachable server 1, the right one saves a 0600 file', async () => {
    expectExit(await slipway(['login', '--url', server.url, '--token', 'not-the-token']), 5, 'wrong token');
    const unreachable = await slipway(['login', '--url', 'http://127.0.0.1:1', '--token', server.token]);
    expectExit(unreachable, 1, 'unreachable');
    assert.match(unreachable.stderr, /cannot reach the server at http:\/\/127\.0\.0\.1:1/);
    assert.equal(unreachable.stderr.trim().split('\n').length, 1, 'a one-line error');
    expectExit(await slipway(['login', '--url', server.url, '--token', server.token]), 0, 'login');
    const file = join(home, 'config', 'slipway', 'config.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { current: string; contexts: Record<string, { url: string; token: string }> };
    assert.equal(saved.current, 'default');
    assert.equal(saved.contexts.default?.url, server.url);
    // SLIPWAY_URL + SLIPWAY_TOKEN override the saved context.
    expectExit(await slipway(['projects'], { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: 'wrong-token' }), 5, 'env token');
  });

  test('typos suggest the nearest command or flag and exit 2', async () => {
    const command = await slipway(['projets']);
    expectExit(command, 2, 'unknown command');
    assert.match(command.stderr, /Did you mean projects\?/);
    const flag = await slipway(['deploy', 'a/b', '--wach']);
    expectExit(flag, 2, 'unknown flag');
    assert.match(flag.stderr, /Did you mean --watch\?/);
    expectExit(await slipway(['deploy', 'Not_A_Name']), 2, 'bad address');
  });

  test('create, list with --json, not found exits 4', async () => {
    expectExit(await slipway(['create', 'project', 'cli-shop']), 0, 'create project');
    expectExit(await slipway(['create', 'env', 'cli-shop/dev']), 0, 'create env');
    await envId('cli-shop/dev');
    const projects = await slipway(['projects', '--json']);
    expectExit(projects, 0, 'projects --json');
    assert.ok((JSON.parse(projects.stdout) as { items: Array<{ name: string }> }).items.some((p) => p.name === 'cli-shop'));
    const envs = await slipway(['envs', 'cli-shop', '--json']);
    assert.deepEqual((JSON.parse(envs.stdout) as { items: Array<{ name: string }> }).items.map((e) => e.name), ['dev']);
    const table = await slipway(['envs', 'cli-shop']);
    assert.match(table.stdout, /^NAME\s+RUNTIME\s+STATUS/m);
    assert.ok(!table.stdout.includes(ESC), 'no control characters on a pipe');
    const missing = await slipway(['services', 'cli-shop/nope']);
    expectExit(missing, 4, 'unknown environment');
    assert.match(missing.stderr, /no environment named nope in cli-shop/);
    expectExit(await slipway(['create', 'project', 'cli-shop']), 3, 'a taken name is a 409');
    const logs = await slipway(['logs', 'cli-shop/dev/web']);
    expectExit(logs, 4, 'logs of a missing service');
  });
});

const FILE = `apiVersion: slipway/v1
kind: Environment
project: cli-files
name: staging
services:
  - name: db
    type: database
    source: { engine: postgresql, version: "15", image: { name: ${testImages.postgres.name}, tag: "15" } }
  - name: web
    type: container
    source: { image: { name: ${testImages.appV1.name}, tag: "\${WEB_TAG}" } }
    settings:
      instances: 2
      memoryMb: 32
      ports: [ { containerPort: ${APP_PORT}, public: true } ]
      env:
        - { key: API_KEY, value: "\${API_KEY}", secret: true }
        - { key: GREETING, value: hello }
`;

describe('environment files', () => {
  const vars = { WEB_TAG: 'v1', API_KEY: 'key-1234567' };

  test('apply refuses unset variables with their line, then applies, then is unchanged', async () => {
    const path = join(home, 'env.yaml');
    await writeFile(path, FILE);
    const unset = await slipway(['apply', '-f', path], { WEB_TAG: 'v1' });
    expectExit(unset, 2, 'unset API_KEY');
    assert.match(unset.stderr, /env\.yaml:17: \$\{API_KEY\} is not set/);

    const dry = await slipway(['apply', '-f', path, '--dry-run', '--json'], vars);
    expectExit(dry, 0, 'dry run');
    const plan = JSON.parse(dry.stdout) as { dryRun: boolean; environmentId: string | null; changes: Array<{ op: string; kind: string; name: string }> };
    assert.equal(plan.dryRun, true);
    assert.equal(plan.environmentId, null);
    assert.deepEqual(plan.changes.map((c) => `${c.op} ${c.kind} ${c.name}`), ['create project cli-files', 'create environment staging', 'create service db', 'create service web']);
    expectExit(await slipway(['services', 'cli-files/staging']), 4, 'a dry run creates nothing');

    const first = await slipway(['apply', '-f', path], vars);
    expectExit(first, 0, 'apply');
    assert.match(first.stdout, /^\+ service cli-files\/staging\/web$/m);
    assert.match(first.stdout, /4 created, 0 updated, 0 deleted, 0 unchanged/);
    await envId('cli-files/staging');

    const second = await slipway(['apply', '-f', path], vars);
    expectExit(second, 0, 'apply again');
    assert.match(second.stdout, /0 created, 0 updated, 0 deleted, 4 unchanged/);

    const changed = await slipway(['apply', '-f', path, '--dry-run'], { ...vars, WEB_TAG: 'v2' });
    expectExit(changed, 0, 'a changed tag');
    assert.match(changed.stdout, /^~ service cli-files\/staging\/web: source\.image$/m);
  });

  test('export → apply is a round trip with no change', async () => {
    const exported = join(home, 'exported.yaml');
    const run = await slipway(['export', 'cli-files/staging', '-o', exported]);
    expectExit(run, 0, 'export');
    const text = await readFile(exported, 'utf8');
    assert.match(text, /value: \$\{API_KEY\}/, 'a secret is exported as ${KEY}');
    assert.ok(!text.includes('key-1234567'), 'no secret value in the export');
    assert.ok(!text.includes('POSTGRES_PASSWORD'), 'generated database credentials stay on the server');
    const back = await slipway(['apply', '-f', exported], vars);
    expectExit(back, 0, 'apply the export');
    assert.match(back.stdout, /0 created, 0 updated, 0 deleted, 4 unchanged/);
    const json = await slipway(['export', 'cli-files/staging', '--json']);
    assert.equal((JSON.parse(json.stdout) as { kind: string }).kind, 'Environment');
  });

  test('a field error points at its line and applies nothing', async () => {
    const bad = join(home, 'bad.yaml');
    await writeFile(bad, FILE.replace('instances: 2', 'instances: 0').replace('- name: db', '- name: db2'));
    const run = await slipway(['apply', '-f', bad], vars);
    expectExit(run, 2, 'invalid file');
    assert.match(run.stderr, /bad\.yaml:13: services\/1\/settings\/instances: must be >= 1/);
    const services = await slipway(['services', 'cli-files/staging', '--json']);
    assert.deepEqual((JSON.parse(services.stdout) as { items: Array<{ name: string }> }).items.map((s) => s.name).sort(), ['db', 'web']);
  });

  test('prune deletes what the file does not name (the Delete action)', async () => {
    const only = join(home, 'only-web.yaml');
    await writeFile(only, FILE.replace(/ {2}- name: db\n.*\n.*\n/, ''));
    const kept = await slipway(['apply', '-f', only, '--dry-run'], vars);
    assert.match(kept.stdout, /^= service cli-files\/staging\/db$/m);
    const pruned = await slipway(['apply', '-f', only, '--prune'], vars);
    expectExit(pruned, 0, 'prune');
    assert.match(pruned.stdout, /^- service cli-files\/staging\/db$/m);
    assert.match(pruned.stdout, /deleting db: deployment /);
  });

  test('variables and stages: applied, unchanged the second time, exported and applied back unchanged', async () => {
    const staged = `apiVersion: slipway/v1
kind: Environment
project: cli-staged
name: staging
stages:
  - { name: warm-up, order: 450 }
variables:
  - { key: LOG_LEVEL, value: info }
  - { key: SHARED_TOKEN, value: "\${SHARED_TOKEN}", secret: true }
services:
  - name: api
    type: container
    source: { image: { name: ${testImages.appV1.name}, tag: v1 } }
  - name: web
    type: container
    stage: warm-up
    source: { image: { name: ${testImages.appV1.name}, tag: v1 } }
  - name: tools
    type: container
    skipEnvironmentActions: true
    source: { image: { name: ${testImages.appV1.name}, tag: v1 } }
`;
    const path = join(home, 'staged.yaml');
    await writeFile(path, staged);
    const secrets = { SHARED_TOKEN: 'shared-token-123' };
    const first = await slipway(['apply', '-f', path], secrets);
    expectExit(first, 0, 'apply with variables and stages');
    assert.match(first.stdout, /^\+ variable cli-staged\/staging\/SHARED_TOKEN$/m);
    assert.match(first.stdout, /7 created, 0 updated, 0 deleted, 0 unchanged/);
    const id = await envId('cli-staged/staging');

    const api = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${server.token}` } });
      assert.equal(response.status, 200, path);
      return (await response.json()) as T;
    };
    const variables = await api<{ items: Array<{ key: string; value: string; secret: boolean }> }>(`/environments/${id}/variables`);
    assert.deepEqual(variables.items, [
      { key: 'LOG_LEVEL', value: 'info', secret: false },
      { key: 'SHARED_TOKEN', value: '********', secret: true },
    ]);
    const stages = await api<{ items: Array<{ id: string; name: string; order: number; builtIn: boolean }> }>(`/environments/${id}/stages`);
    const warm = stages.items.find((s) => s.name === 'warm-up');
    assert.deepEqual(warm && { order: warm.order, builtIn: warm.builtIn }, { order: 450, builtIn: false });
    const services = (await api<{ items: Array<{ id: string; name: string; stageId: string | null; skipEnvironmentActions: boolean }> }>(`/environments/${id}/services`)).items;
    const byName = (name: string) => services.find((s) => s.name === name);
    assert.equal(byName('web')?.stageId, warm?.id);
    assert.equal(byName('api')?.stageId, null);
    assert.equal(byName('tools')?.skipEnvironmentActions, true);
    const env = await api<{ items: Array<{ key: string; scope: string }> }>(`/services/${byName('api')!.id}/env`);
    assert.ok(env.items.some((v) => v.key === 'LOG_LEVEL' && v.scope === 'environment'), 'the services receive the variables');

    const second = await slipway(['apply', '-f', path], secrets);
    expectExit(second, 0, 'apply again');
    assert.match(second.stdout, /0 created, 0 updated, 0 deleted, 7 unchanged/);

    const changed = await slipway(['apply', '-f', path, '--dry-run'], { SHARED_TOKEN: 'another-token-456' });
    assert.match(changed.stdout, /^~ variable cli-staged\/staging\/SHARED_TOKEN: value$/m);
    assert.ok(!changed.stdout.includes('another-token-456') && !changed.stdout.includes('shared-token-123'), 'no secret value in the plan');

    const exported = join(home, 'staged-export.yaml');
    expectExit(await slipway(['export', 'cli-staged/staging', '-o', exported]), 0, 'export');
    const text = await readFile(exported, 'utf8');
    assert.match(text, /value: \$\{SHARED_TOKEN\}/, 'a secret variable is exported as ${KEY}');
    assert.match(text, /stage: warm-up/);
    assert.match(text, /skipEnvironmentActions: true/);
    assert.ok(!text.includes('shared-token-123'), 'no secret value in the export');
    const back = await slipway(['apply', '-f', exported], secrets);
    expectExit(back, 0, 'apply the export');
    assert.match(back.stdout, /0 created, 0 updated, 0 deleted, 7 unchanged/);

    // Without the stage and a variable, with prune: the stage and the variable go, web back to its default stage.
    const pruned = join(home, 'staged-pruned.yaml');
    await writeFile(pruned, staged.replace(/stages:\n.*\n/, '').replace('    stage: warm-up\n', '').replace(/ {2}- \{ key: LOG_LEVEL.*\n/, ''));
    const run = await slipway(['apply', '-f', pruned, '--prune'], secrets);
    expectExit(run, 0, 'prune');
    assert.match(run.stdout, /^~ environment cli-staged\/staging: stages\.warm-up$/m);
    assert.match(run.stdout, /^- variable cli-staged\/staging\/LOG_LEVEL$/m);
    assert.match(run.stdout, /^~ service cli-staged\/staging\/web: stage$/m);
    assert.deepEqual((await api<{ items: Array<{ key: string }> }>(`/environments/${id}/variables`)).items.map((v) => v.key), ['SHARED_TOKEN']);
    assert.equal((await api<{ items: Array<{ builtIn: boolean }> }>(`/environments/${id}/stages`)).items.filter((s) => !s.builtIn).length, 0);
  });

  test('a bad variable or stage points at its line and applies nothing', async () => {
    const bad = join(home, 'bad-staged.yaml');
    await writeFile(
      bad,
      `apiVersion: slipway/v1\nkind: Environment\nproject: cli-staged\nname: staging\nvariables:\n  - { key: SHORT, value: abc, secret: true }\nservices:\n  - name: api\n    type: container\n    stage: nowhere\n    source: { image: { name: ${testImages.appV1.name}, tag: v2 } }\n`,
    );
    const run = await slipway(['apply', '-f', bad]);
    expectExit(run, 2, 'invalid file');
    assert.match(run.stderr, /bad-staged\.yaml:6: variables\/0\/value: a secret value has at least/);
    assert.match(run.stderr, /bad-staged\.yaml:10: services\/0\/stage: no stage named nowhere/);
  });

  test('the JSON Schema is served', async () => {
    const run = await slipway(['schema']);
    expectExit(run, 0, 'schema');
    const schema = JSON.parse(run.stdout) as { title: string; properties: Record<string, unknown> };
    assert.equal(schema.title, 'Slipway environment file');
    assert.ok(schema.properties.services);
  });
});

describe('deploy --watch', () => {
  const app = (project: string, image: { name: string; tag: string }, startTimeout: number) => `apiVersion: slipway/v1
kind: Environment
project: ${project}
name: prod
services:
  - name: web
    type: container
    source: { image: { name: ${image.name}, tag: ${image.tag} } }
    settings:
      memoryMb: 32
      cpu: 100
      startTimeoutSeconds: ${startTimeout}
      ports: [ { containerPort: ${APP_PORT}, public: true } ]
      healthchecks:
        readiness: { type: http, path: /healthz, port: ${APP_PORT}, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 }
`;

  test('apply --deploy --watch follows to SUCCESS: exit 0, plain lines, a summary', async () => {
    const path = join(home, 'ok.yaml');
    await writeFile(path, app('cli-ok', testImages.appV1, 30));
    const run = await slipway(['apply', '-f', path, '--deploy', '--watch'], { NO_COLOR: '1' });
    await envId('cli-ok/prod');
    expectExit(run, 0, 'deploy --watch');
    // Each status the watcher saw is a line (a fast rollout may skip DEPLOYING between two reads).
    assert.match(run.stdout, /^web\s+QUEUED/m, 'the service status, live');
    assert.match(run.stdout, /^web\s+DEPLOYED\s+DEPLOY SUCCESS/m, 'the service status and step, live');
    assert.match(run.stdout, /\[web DEPLOY\] /, 'log lines');
    assert.match(run.stdout, /ended SUCCESS in /);
    assert.match(run.stdout, /^ {2}web\s+DEPLOYED\s+\S+\s+v1$/m, 'the summary');
    assert.ok(!run.stdout.includes(ESC) && !run.stderr.includes(ESC), 'no control characters');

    const again = await slipway(['deploy', 'cli-ok/prod/web']);
    expectExit(again, 3, 'Deploy on a deployed service is refused');
    assert.match(again.stderr, /ACTION_NOT_AVAILABLE/);
    const status = await slipway(['status', 'cli-ok/prod', '--json']);
    expectExit(status, 0, 'status --json');
    assert.equal((JSON.parse(status.stdout) as { state: string }).state, 'DEPLOYED');
    const history = await slipway(['history', 'cli-ok/prod', '--json']);
    const items = (JSON.parse(history.stdout) as { items: Array<{ id: string; status: string; origin: string }> }).items;
    assert.equal(items[0]?.status, 'SUCCESS');
    assert.equal(items[0]?.origin, 'CLI');
    const detail = await slipway(['deployment', items[0]!.id, '--json']);
    assert.equal((JSON.parse(detail.stdout) as { stages: unknown[] }).stages.length > 0, true);
    const actions = await slipway(['actions', 'cli-ok/prod/web', '--json']);
    assert.equal((JSON.parse(actions.stdout) as Array<{ action: string; available: boolean }>).find((a) => a.action === 'REDEPLOY')?.available, true);
    const logs = await slipway(['logs', 'cli-ok/prod/web']);
    if (logs.code !== 0) {
      expectExit(logs, 1, 'running logs');
      assert.match(logs.stderr, /not available on this server/);
    }
  });

  test('a never-ready image: watch ends DEPLOYMENT_ERROR, exit 1', async () => {
    const path = join(home, 'bad-deploy.yaml');
    await writeFile(path, app('cli-bad', testImages.neverReady, 5));
    expectExit(await slipway(['apply', '-f', path]), 0, 'apply');
    await envId('cli-bad/prod');
    const run = await slipway(['deploy', 'cli-bad/prod', '--watch']);
    expectExit(run, 1, 'deploy --watch of a never-ready image');
    assert.match(run.stdout, /^web\s+DEPLOYMENT_ERROR/m);
    assert.match(run.stdout, /ended ERROR in /);
  });
});

describe('import compose', () => {
  test('each fixture imports (dry run) and names what it did not map, with lines', async () => {
    // The build fixture needs a git checkout with a remote: a copy in a fresh repository.
    const repo = join(home, 'repo');
    await cp(FIXTURES, join(repo, 'deploy'), { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    execFileSync('git', ['-C', repo, 'remote', 'add', 'origin', 'https://git.example.com/acme/legacy.git']);
    for (const file of ['web-postgres-redis.yml', 'worker-cron.yml', 'wordpress-mysql.yml', 'multi-service-healthchecks.yml', 'unsupported-fields.yml']) {
      const run = await slipway(['import', 'compose', join(repo, 'deploy', file), '--env', 'cli-compose/staging', '--dry-run'], { API_TOKEN: 'token-1234' });
      expectExit(run, 0, file);
      assert.match(run.stdout, /dry run, nothing changed: \d+ to create/, file);
    }
    const unsupported = await slipway(['import', 'compose', join(repo, 'deploy', 'unsupported-fields.yml'), '--env', 'cli-compose/staging', '--dry-run']);
    assert.match(unsupported.stderr, /unsupported-fields\.yml:11: services\.app\.privileged: not mapped/);
    assert.match(unsupported.stdout, /^\+ service cli-compose\/staging\/app$/m);
    // Outside a git checkout, a build is refused with the reason.
    const outside = join(home, 'outside.yml');
    await cp(join(FIXTURES, 'unsupported-fields.yml'), outside);
    const refused = await slipway(['import', 'compose', outside, '--env', 'cli-compose/staging', '--dry-run']);
    expectExit(refused, 2, 'build outside git');
    assert.match(refused.stderr, /git checkout that has a remote/);
  });

  test('a real import creates the environment; applying it again changes nothing', async () => {
    const compose = join(home, 'stack.yml');
    await writeFile(
      compose,
      `services:\n  web:\n    image: ${testImages.appV1.ref}\n    ports: ["8080:${APP_PORT}"]\n    depends_on: [db]\n  worker:\n    image: ${testImages.appV1.ref}\n    depends_on: [web]\n  db:\n    image: ${testImages.postgres.ref}\n    environment:\n      POSTGRES_PASSWORD: pass-1234\n`,
    );
    const first = await slipway(['import', 'compose', compose, '--env', 'cli-compose/real']);
    expectExit(first, 0, 'import');
    const id = await envId('cli-compose/real');
    const services = await slipway(['services', 'cli-compose/real', '--json']);
    const items = (JSON.parse(services.stdout) as { items: Array<{ name: string; type: string; stageId: string | null }> }).items;
    assert.deepEqual(items.map((s) => `${s.name}:${s.type}`).sort(), ['db:database', 'web:container', 'worker:container']);
    // worker depends on web, both containers: a stage after the containers' own.
    const response = await fetch(`${server.url}/api/v1/environments/${id}/stages`, { headers: { authorization: `Bearer ${server.token}` } });
    const stages = ((await response.json()) as { items: Array<{ id: string; name: string; order: number }> }).items;
    const after = stages.find((s) => s.name === 'containers 2');
    assert.equal(after?.order, 401);
    assert.equal(items.find((s) => s.name === 'worker')?.stageId, after?.id);
    assert.equal(items.find((s) => s.name === 'web')?.stageId, null);
    const second = await slipway(['import', 'compose', compose, '--env', 'cli-compose/real']);
    expectExit(second, 0, 'import again');
    assert.match(second.stdout, /0 created, 0 updated, 0 deleted, 5 unchanged/);
  });
});
