import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlipwayProcess } from '../support/slipway-process.js';

/**
 * Fuzzes the whole API of a real `slipway server` with schemathesis (installed from PyPI into a
 * virtualenv by scripts/services/schemathesis.sh), reading /api/v1/openapi.json, with every
 * check: no 5xx, every status, content type, header and body as the document declares them,
 * schema-invalid input refused, a wrong method 405. Any failure fails the test with
 * schemathesis' own report of it (the request to reproduce it included).
 *
 * The fuzzer uses the bootstrap admin token and works on real objects: a project, a docker and
 * a kubernetes environment, services of every type, a stage and a deployment are created first
 * and their ids offered for `{id}` most of the time (random ids the rest).
 *
 * Traffic stays on 127.0.0.1. Fuzzed services name any image and any git URL, so whatever would
 * make the server contact them is not fuzzed: Deploy and Redeploy (service and environment) and
 * Deploy latest (pull an image, clone a repository), GET /services/{id}/versions (a registry's
 * tags, a remote's commits) and GET /environments/{id}/outdated-services (a remote's head); the
 * fixtures are never deployed, so Stop and Restart, which are fuzzed, are refused before any
 * runtime work, and Delete only removes what the local Docker Engine has. The server runs with
 * no registry, no AWS region, and no kubeconfig (none in the environment, HOME a temp dir):
 * kubernetes environments fail their actions as "not configured", and a fuzzed per-environment
 * kubeconfig is refused unless it is a complete one, which random text is not.
 * DELETE /tokens/{id} is not fuzzed either: it would revoke the fuzzer's own token (the token
 * routes are tested in api.test.ts).
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const INSTALL = join(REPO, 'scripts/services/schemathesis.sh');
/**
 * The run's budget: with the server's start and the fixtures, the test takes about 3 minutes on
 * 2 cores. SLIPWAY_FUZZ_SECONDS changes it for a run by hand (longer to search harder).
 */
const MAX_TIME_SECONDS = Number(process.env.SLIPWAY_FUZZ_SECONDS) || 150;
const MAX_EXAMPLES = 40;
const V = '/api/v1';

/** Operations that would make the server contact a host a fuzzed service names. */
const NETWORK_PATHS = '/(deploy|redeploy|deploy-latest|versions|outdated-services)$';

let server: SlipwayProcess | undefined;
let work = '';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'slipway-fuzz-'));
});

after(async () => {
  await server?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The schemathesis executable, installed (once per machine) by the project's script. */
function schemathesis(): string {
  const install = spawnSync('bash', [INSTALL], { encoding: 'utf8' });
  assert.equal(install.status, 0, `scripts/services/schemathesis.sh failed:\n${install.stderr}`);
  const path = install.stdout.trim().split('\n').pop() ?? '';
  assert.ok(path.endsWith('/schemathesis'), `scripts/services/schemathesis.sh printed no path: ${install.stdout}`);
  return path;
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: { id?: string; deploymentId?: string } }> {
  const res = await fetch(`${server!.url}${V}${path}`, {
    method,
    headers: { authorization: `Bearer ${server!.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as { id?: string } };
}

async function create(path: string, body: unknown): Promise<string> {
  const res = await call('POST', path, body);
  assert.equal(res.status, 201, `POST ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.id!;
}

/** Real objects for the fuzzer to work on, by kind; none is ever deployed. */
async function fixtures(): Promise<Record<string, string[]>> {
  const project = await create('/projects', { name: 'fuzz' });
  const docker = await create(`/projects/${project}/environments`, { name: 'docker', runtime: 'docker' });
  const kubernetes = await create(`/projects/${project}/environments`, { name: 'kubernetes', runtime: 'kubernetes' });
  const services: string[] = [];
  for (const env of [docker, kubernetes]) {
    services.push(
      await create(`/environments/${env}/services`, { name: 'web', type: 'container', source: { image: { name: '127.0.0.1:5000/slipway-test/app', tag: 'v1' } } }),
      // Port 9 on the loopback: nothing answers there.
      await create(`/environments/${env}/services`, { name: 'api', type: 'application', source: { git: { url: 'http://127.0.0.1:9/none.git', branch: 'main' } } }),
      await create(`/environments/${env}/services`, { name: 'db', type: 'database', source: { engine: 'postgresql', version: '15' } }),
      await create(`/environments/${env}/services`, {
        name: 'migrate',
        type: 'job',
        source: { jobType: 'lifecycle', events: ['start'], source: { image: { name: '127.0.0.1:5000/slipway-test/app', tag: 'v1' } } },
      }),
      await create(`/environments/${env}/services`, {
        name: 'nightly',
        type: 'job',
        source: { jobType: 'cron', schedule: '0 3 * * *', source: { image: { name: '127.0.0.1:5000/slipway-test/app', tag: 'v1' } } },
      }),
    );
  }
  const stage = await create(`/environments/${docker}/stages`, { name: 'late' });
  // A deployment with a log: the Delete of a service that never ran (nothing to reach).
  const doomed = await create(`/environments/${docker}/services`, { name: 'doomed', type: 'container', source: { image: { name: '127.0.0.1:5000/slipway-test/app', tag: 'v1' } } });
  const deleted = await call('DELETE', `/services/${doomed}`);
  assert.equal(deleted.status, 202, JSON.stringify(deleted.json));
  return { projects: [project], environments: [docker, kubernetes], services, stages: [stage], deployments: [deleted.json.deploymentId!] };
}

/** schemathesis.toml: the token from the environment (never in argv), the ids, the checks' settings. */
function config(ids: Record<string, string[]>): string {
  const list = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const bind = (pathRegex: string, dictionary: string) =>
    `[[operations]]\ninclude-path-regex = ${JSON.stringify(pathRegex)}\nparameters = { "path.id" = { dictionary = "${dictionary}", probability = 0.8 } }\n`;
  return [
    'headers = { Authorization = "Bearer ${SLIPWAY_FUZZ_TOKEN}" }',
    '',
    // Schema-valid input may still break a rule the document cannot state: VALIDATION_FAILED is
    // right then. A run that refused 400 here found only such rules: a PATCH source of another
    // service type, a runtime change, a kubeconfig string that is no kubeconfig, a page cursor
    // the server never gave, a webhook without its provider's event header (also: a git
    // service's version that is not a SHA, a service of another environment).
    '[checks.positive_data_acceptance]',
    'expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]',
    // Schema-invalid input is refused with 400, or with 413 when it is also over the body limit
    // (a kubeconfig one character too long, of control characters, is 1.5 MB of JSON escapes).
    '[checks.negative_data_rejection]',
    'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]',
    '',
    // 502 is UPSTREAM_UNAVAILABLE, a remote the server needs that cannot be read (the document
    // narrows a 502's code to it, which the schema check enforces); any other 5xx fails.
    '[checks.not_a_server_error]',
    'expected-statuses = ["2xx", "3xx", "4xx", "502"]',
    '',
    '[dictionaries]',
    ...Object.entries(ids).map(([name, values]) => `${name} = { values = ${list(values)} }`),
    '',
    bind('^/api/v1/projects/\\{id\\}', 'projects'),
    bind('^/api/v1/environments/\\{id\\}', 'environments'),
    bind('^/api/v1/services/\\{id\\}', 'services'),
    bind('^/api/v1/stages/\\{id\\}', 'stages'),
    bind('^/api/v1/(deployments|deployment-requests)/\\{id\\}', 'deployments'),
  ].join('\n');
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(bin, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    // A hung fuzzer must not hang the suite: its own budget plus a margin, then it is killed.
    const timer = setTimeout(() => child.kill('SIGKILL'), (MAX_TIME_SECONDS + 120) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

/** The part of schemathesis' output that says what failed, and the run's summary. */
function failureReport(output: string, reportJson: string): string {
  const start = output.search(/^=+ FAILURES =+$/m);
  // A failing request can carry a megabyte of body: every line is cut.
  const lines = (start >= 0 ? output.slice(start) : output).split('\n').map((l) => (l.length > 600 ? `${l.slice(0, 600)} …(${l.length} characters)` : l));
  const shown = lines.length > 400 ? [...lines.slice(0, 300), `… ${lines.length - 360} lines left out …`, ...lines.slice(-60)] : lines;
  let summary = '';
  try {
    const report = JSON.parse(reportJson) as { failures?: Array<{ code: string; title: string; count: number; operations: string[] }> };
    summary = (report.failures ?? []).map((f) => `  ${f.code} ${f.title} ×${f.count}: ${f.operations.join(', ')}`).join('\n');
  } catch {
    summary = '  (no JSON report)';
  }
  return `schemathesis found problems:\n${summary}\n\n${shown.join('\n')}`;
}

test('schemathesis finds no server error and no response that breaks the OpenAPI document', { timeout: (MAX_TIME_SECONDS + 180) * 1000 }, async () => {
  const bin = schemathesis();
  server = await SlipwayProcess.start({
    edgePorts: '26200-26299',
    name: 'fuzz',
    // Nothing that would make the server reach past this machine (see above). The fuzzer sends
    // bad tokens on purpose, all from 127.0.0.1: the failed-authentication limit (429, declared
    // everywhere) would otherwise shut its address out and leave most of the API unfuzzed.
    env: {
      // The local test registry: a kubernetes environment accepts git services only with one.
      SLIPWAY_REGISTRY: '127.0.0.1:5000',
      SLIPWAY_AWS_REGION: '',
      SLIPWAY_KUBECONFIG: '',
      KUBECONFIG: '',
      HOME: work,
      SLIPWAY_GIT_SSH_KEY_FILE: '',
      SLIPWAY_AUTH_FAILURES_PER_MINUTE: '1000000',
    },
  });
  const ids = await fixtures();
  const configFile = join(work, 'schemathesis.toml');
  await writeFile(configFile, config(ids));
  const reportPath = join(work, 'report.json');
  const { code, output } = await run(
    bin,
    [
      '--config-file', configFile,
      'run', `${server.url}${V}/openapi.json`,
      '--checks', 'all',
      // DELETE of an environment or a service is the Delete action: 202 means queued, not gone.
      // The object stays readable until the action ends, and for good when it fails (a kubernetes
      // environment on this server, which has no kubeconfig). "Deleted resource still available"
      // is therefore what the API promises, not a fault; e2e/lifecycle.test.ts checks the 404
      // once a Delete has ended. On the command line: `--checks all` turns back on every check
      // the config file turns off.
      '--exclude-checks', 'use_after_free',
      '--exclude-path-regex', NETWORK_PATHS,
      '--exclude-name', `DELETE ${V}/tokens/{id}`,
      '--max-examples', String(MAX_EXAMPLES),
      '--max-time', String(MAX_TIME_SECONDS),
      // One worker: with two threads, Python 3.11's ast module can fail inside hypothesis
      // ("AST constructor recursion depth mismatch"), a tool error that says nothing of the API.
      '--workers', '1',
      '--request-timeout', '20',
      '--generation-database', 'none',
      '--report', 'json', '--report-json-path', reportPath,
      '--no-color',
    ],
    // Only what it needs: the token reaches it through the config file's ${SLIPWAY_FUZZ_TOKEN}.
    { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, SLIPWAY_FUZZ_TOKEN: server.token, NO_COLOR: '1' },
  );
  const reportJson = await readFile(reportPath, 'utf8').catch(() => '');
  if (code !== 0) {
    // The server's warnings and errors (a 5xx logs its cause), not its request lines.
    const problems = server.records.filter((r) => (r.level ?? 0) >= 40).slice(-20).map((r) => JSON.stringify(r).slice(0, 1000));
    assert.fail(`${failureReport(output, reportJson)}\n\nserver warnings and errors:\n${problems.join('\n') || '(none)'}`);
  }
  // A clean run still shows how much it did.
  const counts = /Test cases:\s*\n\s*(.*)/.exec(output)?.[1] ?? '';
  console.log(`schemathesis: ${counts.trim()}`);
  assert.match(output, /Operations:\s+\d+ selected/, 'schemathesis tested no operation');
});
