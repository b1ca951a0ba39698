import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../../src/api/validation.js';
import { EnvironmentFile } from '../../../src/api/schemas/environment-file.js';
import { CliError } from '../../../src/cli/cli-error.js';
import { stagesFromDependsOn } from '../../../src/cli/compose-stages.js';
import { composeToEnvironment, parsePort, probeOf, seconds, splitCommand, type ComposeResult, type GitCheckout } from '../../../src/cli/compose.js';

const DIR = join(import.meta.dirname, '../../fixtures/compose');
const GIT: GitCheckout = { url: 'https://git.example.com/acme/legacy.git', branch: 'main', directory: 'deploy' };

function load(file: string, git: GitCheckout | null = null): ComposeResult {
  return composeToEnvironment({
    text: readFileSync(join(DIR, file), 'utf8'),
    fileName: file,
    project: 'shop',
    environment: 'staging',
    git,
    readEnvFile: (path) => {
      try {
        return readFileSync(join(DIR, path), 'utf8');
      } catch {
        return null;
      }
    },
  });
}

type Svc = { name: string; type: string; stage?: string; source: Record<string, unknown>; settings?: Record<string, unknown> };
const service = (r: ComposeResult, name: string) => r.document.services.find((s) => s.name === name) as Svc;
const noteAt = (r: ComposeResult, field: string) => r.notes.find((n) => n.field === field);

test('every fixture maps to a file the server\'s schema accepts', () => {
  for (const file of ['web-postgres-redis.yml', 'worker-cron.yml', 'wordpress-mysql.yml', 'multi-service-healthchecks.yml', 'unsupported-fields.yml']) {
    const result = load(file, GIT);
    assert.doesNotThrow(() => check(EnvironmentFile, structuredClone(result.document), 'body'), file);
  }
});

test('web + PostgreSQL + Redis: databases become database services with their credentials', () => {
  const r = load('web-postgres-redis.yml');
  assert.deepEqual(service(r, 'db').source, { engine: 'postgresql', version: '16' });
  assert.deepEqual(service(r, 'db').settings?.env, [
    { key: 'POSTGRES_USER', value: 'shop' },
    { key: 'POSTGRES_PASSWORD', value: 'shop-password', secret: true },
    { key: 'POSTGRES_DB', value: 'shop' },
  ]);
  assert.deepEqual(service(r, 'cache').source, { engine: 'redis', version: '7-alpine' });
  const web = service(r, 'web');
  assert.equal(web.type, 'container');
  assert.deepEqual(web.source, { image: { name: 'ghcr.io/acme/shop-web', tag: '1.4.2' } });
  assert.deepEqual(web.settings?.ports, [{ containerPort: 8000, public: true, protocol: 'http' }]);
  assert.ok((web.settings?.env as Array<{ key: string; secret?: boolean }>).find((e) => e.key === 'SECRET_KEY')?.secret);
  assert.match(noteAt(r, 'services.db.volumes')?.message ?? '', /volume Slipway gives it/);
  assert.equal(noteAt(r, 'services.db.volumes')?.line, 21);
  // depends_on on databases is what the default stages do: nothing to report.
  assert.equal(noteAt(r, 'services.web.depends_on'), undefined);
});

test('worker + cron: env_file read, shell variables as ${KEY}, replicas and limits, labels reported', () => {
  const r = load('worker-cron.yml');
  const worker = service(r, 'worker');
  assert.deepEqual(worker.settings?.command, ['node', 'dist/worker.js', '--concurrency', '4']);
  assert.equal(worker.settings?.instances, 3);
  assert.equal(worker.settings?.cpu, 500);
  assert.equal(worker.settings?.memoryMb, 256);
  assert.deepEqual(worker.settings?.env, [
    { key: 'NODE_ENV', value: 'production' },
    { key: 'LOG_LEVEL', value: 'info' },
    { key: 'REDIS_URL', value: 'redis://queue:6379' },
    { key: 'QUEUE', value: 'default' },
    { key: 'API_TOKEN', value: '${API_TOKEN}', secret: true },
  ]);
  assert.deepEqual(service(r, 'scheduler').settings?.command, ['crond', '-f', '-l', '8']);
  assert.equal(noteAt(r, 'services.scheduler.labels')?.line, 25);
  assert.equal(noteAt(r, 'services.api.restart')?.line, 7);
  assert.match(noteAt(r, 'services.worker.environment.API_TOKEN')?.message ?? '', /\$\{API_TOKEN\}/);
});

test('WordPress + MySQL: the php app is a container with storage, MySQL a database', () => {
  const r = load('wordpress-mysql.yml');
  assert.deepEqual(service(r, 'db').source, { engine: 'mysql', version: '8.0' });
  assert.ok(noteAt(r, 'services.db.command'));
  assert.ok(noteAt(r, 'services.db.healthcheck'));
  const wp = service(r, 'wordpress');
  assert.deepEqual(wp.settings?.storage, [{ mountPath: '/var/www/html', sizeGb: 1 }]);
  assert.deepEqual(wp.settings?.ports, [{ containerPort: 80, public: true, protocol: 'http' }]);
  assert.match(noteAt(r, 'services.wordpress.ports.0')?.message ?? '', /host port 8080 not kept/);
});

test('depends_on and health checks: probes, replicas, private ports, orders Slipway cannot keep', () => {
  const r = load('multi-service-healthchecks.yml');
  const api = service(r, 'api');
  assert.deepEqual(api.settings?.healthchecks, {
    readiness: { type: 'http', path: '/health', port: 3000, periodSeconds: 10, timeoutSeconds: 3, initialDelaySeconds: 20, failureThreshold: 3 },
  });
  assert.deepEqual(api.settings?.ports, [{ containerPort: 3000, public: false, protocol: 'http' }]);
  assert.equal(api.settings?.instances, 2);
  assert.deepEqual(service(r, 'frontend').settings?.healthchecks, {
    readiness: { type: 'http', path: '/', port: 80, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 5 },
  });
  assert.deepEqual(service(r, 'db').source, { engine: 'postgresql', version: '15-alpine' });
  // Container → container: the default stages would run them together; each gets a stage after
  // its dependency (migrate → api → frontend), the database needs none (its stage comes first).
  assert.deepEqual(r.document.stages, [
    { name: 'containers 2', order: 401 },
    { name: 'containers 3', order: 402 },
  ]);
  assert.deepEqual(
    r.document.services.map((s) => [s.name, s.stage ?? null]),
    [['frontend', 'containers 3'], ['api', 'containers 2'], ['migrate', null], ['db', null]],
  );
  const notes = r.notes.filter((n) => n.field === 'services.frontend.depends_on' || n.field === 'services.api.depends_on');
  assert.deepEqual(notes.map((n) => n.field), ['services.api.depends_on'], JSON.stringify(notes));
  assert.match(notes[0]!.message, /service_completed_successfully/);
});

test('depends_on → stages, table by table: only where the default order does not already hold', () => {
  const cases: Array<{ why: string; types: Array<[string, string]>; deps: Array<[string, string[]]>; stages: unknown[]; stageOf: Array<[string, string]>; cycle?: string[] }> = [
    { why: 'container on database, application on container: the default order', types: [['web', 'application'], ['api', 'container'], ['db', 'database']], deps: [['web', ['api']], ['api', ['db']]], stages: [], stageOf: [] },
    { why: 'container on container', types: [['web', 'container'], ['api', 'container']], deps: [['web', ['api']]], stages: [{ name: 'containers 2', order: 401 }], stageOf: [['web', 'containers 2']] },
    {
      why: 'two on one share a stage; a chain goes on',
      types: [['a', 'container'], ['b', 'container'], ['c', 'container'], ['d', 'container']],
      deps: [['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]],
      stages: [{ name: 'containers 2', order: 401 }, { name: 'containers 3', order: 402 }],
      stageOf: [['b', 'containers 2'], ['c', 'containers 2'], ['d', 'containers 3']],
    },
    { why: 'a database on a container', types: [['db', 'database'], ['vault', 'container']], deps: [['db', ['vault']]], stages: [{ name: 'containers 2', order: 401 }], stageOf: [['db', 'containers 2']] },
    { why: 'a container on an application', types: [['proxy', 'container'], ['app', 'application']], deps: [['proxy', ['app']]], stages: [{ name: 'applications 2', order: 501 }], stageOf: [['proxy', 'applications 2']] },
    { why: 'a service not imported is ignored', types: [['web', 'container']], deps: [['web', ['ghost']]], stages: [], stageOf: [] },
    { why: 'a cycle: no stages, reported', types: [['a', 'container'], ['b', 'container']], deps: [['a', ['b']], ['b', ['a']]], stages: [], stageOf: [], cycle: ['a', 'b'] },
  ];
  for (const c of cases) {
    const planned = stagesFromDependsOn(new Map(c.types), new Map(c.deps));
    assert.deepEqual(planned.stages, c.stages, c.why);
    assert.deepEqual([...planned.stageOf], c.stageOf, c.why);
    assert.deepEqual(planned.cycle, c.cycle ?? [], c.why);
  }
});

test('unsupported fields: each reported with its line; build needs a git checkout', () => {
  const r = load('unsupported-fields.yml', GIT);
  const app = service(r, 'app');
  assert.deepEqual(app.source, { git: { url: GIT.url, branch: 'main', rootPath: '/deploy/app', dockerfilePath: 'docker/Dockerfile' } });
  assert.deepEqual(app.settings?.storage, [{ mountPath: '/srv/uploads', sizeGb: 1 }]);
  const expected: Array<[string, number]> = [
    ['services.app.build.args', 8],
    ['services.app.container_name', 10],
    ['services.app.privileged', 11],
    ['services.app.cap_add', 12],
    ['services.app.networks', 13],
    ['services.app.secrets', 14],
    ['services.app.entrypoint', 15],
    ['services.app.volumes.0', 17],
    ['services.app.logging', 19],
    ['services.app.environment.GREETING', 24],
    ['services.proxy.extra_hosts', 28],
    ['networks', 30],
    ['secrets', 33],
  ];
  for (const [field, line] of expected) assert.equal(noteAt(r, field)?.line, line, `${field}: ${JSON.stringify(r.notes)}`);
  assert.throws(() => load('unsupported-fields.yml', null), (e: unknown) => e instanceof CliError && e.exitCode === 2 && /git checkout that has a remote/.test(e.message) && /:5:/.test(e.message));
});

test('small parsers', () => {
  assert.deepEqual(parsePort('127.0.0.1:8080:80/tcp'), { containerPort: 80, published: true, hostPort: '8080' });
  assert.deepEqual(parsePort('80'), { containerPort: 80, published: false, hostPort: null });
  assert.equal(parsePort('nope'), null);
  assert.equal(seconds('1m30s'), 90);
  assert.equal(seconds('500ms'), 1);
  assert.deepEqual(splitCommand(`sh -c "echo hi there" 'a b'`), ['sh', '-c', 'echo hi there', 'a b']);
  assert.deepEqual(probeOf({ test: ['CMD', 'pg_isready'] }), { type: 'exec', command: ['pg_isready'] });
  assert.equal(probeOf({ test: ['NONE'] }), null);
});
