/**
 * Rollout against the raw engine: one instance of app v1 replaced by v2 (and back, each round
 * flips the version) through Slipway — Deploy other version on a service with an http
 * readiness probe on /healthz, period 1 s — against the same work done with plain `docker`
 * CLI commands: pull, create, start, poll the HTTP readiness until it answers, stop and remove
 * the old container. The variants alternate in a rotating order within one run; medians.
 *
 * The raw script runs twice per round: polling once a second (the probe period Slipway uses,
 * the like-for-like comparison the verdict is on) and polling every 100 ms (what a hand-written
 * script that polls tightly gets; shown for context).
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type Probe } from '../src/domain/index.js';
import { LABEL } from '../src/runtime/docker/names-and-labels.js';
import { APP_PORT, testImages } from '../test/support/images.js';
import { benchEngine, runAction } from './support/bench-engine.js';
import { removeEnvironmentResources } from './support/docker-cleanup.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';
import { median, runsList } from './support/stats.js';

const ROUNDS = Number(process.env.BENCH_ROLLOUT_ROUNDS ?? 5);
const PERIOD_SECONDS = 1;
const READINESS: Probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: PERIOD_SECONDS, timeoutSeconds: 1, failureThreshold: 3 };
const RAW_LABEL = 'slipway-bench.raw';

const run = promisify(execFile);

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 1024 * 1024 });
  return stdout.trim();
}

function healthy(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: ip, port: APP_PORT, path: '/healthz', agent: false, timeout: 1000 }, (response) => {
      response.resume();
      resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 400);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(false));
  });
}

/** The hand-written rollout: one lineage of containers on its own network. */
class RawRollout {
  current: { id: string; version: string } | null = null;
  private seq = 0;

  constructor(
    private readonly network: string,
    private readonly pollMs: number,
    private readonly tag: string,
  ) {}

  /** Pull, create, start, poll until ready, then stop and remove the old one. Returns ms. */
  async rollTo(version: string): Promise<number> {
    const ref = `${testImages.appV1.name}:${version}`;
    const start = performance.now();
    await docker('pull', '-q', ref);
    const id = await docker(
      'create',
      '--name', `slipway-bench-raw-${this.tag}-${process.pid}-${this.seq++}`,
      '--network', this.network,
      '--label', `${RAW_LABEL}=${process.pid}`,
      '--restart', 'unless-stopped',
      '--cpus', '0.5',
      '--memory', '512m',
      '--log-opt', 'max-size=10m',
      '--log-opt', 'max-file=3',
      ref,
    );
    await docker('start', id);
    const ip = await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id);
    const deadline = Date.now() + 60_000;
    while (!(await healthy(ip))) {
      if (Date.now() > deadline) throw new Error(`raw ${version} container ${id.slice(0, 12)} not ready within 60 s`);
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
    if (this.current) {
      await docker('stop', '-t', '10', this.current.id);
      await docker('rm', this.current.id);
    }
    const took = performance.now() - start;
    this.current = { id, version };
    return took;
  }
}

export async function rolloutVsDocker(): Promise<Omit<BenchResult, 'durationMs'>> {
  const bench = await benchEngine('docker');
  const network = `slipway-bench-raw-${process.pid}`;
  let environmentId: string | undefined;
  try {
    const project = await bench.store.createProject({ name: `bench-rollout-${Date.now().toString(36)}` });
    const environment = await bench.store.createEnvironment({ projectId: project.id, name: 'bench', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    environmentId = environment.id;
    const service = await bench.store.createService({
      environmentId: environment.id,
      name: 'web',
      type: 'container',
      source: { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } },
      settings: { ...DEFAULT_SERVICE_SETTINGS, ports: [{ containerPort: APP_PORT, public: false, protocol: 'http' }], healthchecks: { readiness: READINESS } },
    });
    const initial = await runAction(bench, { environmentId: environment.id, action: 'DEPLOY' }, 120_000);
    if (initial.status !== 'SUCCESS') throw new Error(`initial deploy ended ${initial.status}: ${initial.message}`);

    await docker('network', 'create', '--label', `${RAW_LABEL}=${process.pid}`, network);
    const rawMatched = new RawRollout(network, PERIOD_SECONDS * 1000, 'a');
    const rawTight = new RawRollout(network, 100, 'b');
    await rawMatched.rollTo('v1');
    await rawTight.rollTo('v1');

    let slipwayVersion = 'v1';
    const slipwayRollTo = async (version: string): Promise<number> => {
      const r = await runAction(bench, { environmentId: environment.id, serviceId: service.id, action: 'DEPLOY_VERSION', version }, 120_000);
      if (r.status !== 'SUCCESS') throw new Error(`Slipway rollout to ${version} ended ${r.status}: ${r.message}`);
      const deployed = bench.events.lastStatusAt([service.id], 'DEPLOYED', r.startedAt);
      if (deployed === null) throw new Error('the service never went DEPLOYED');
      // The instance really runs the new version (and only it).
      const containers = await bench.docker!.listContainers({ all: true, filters: { label: [`${LABEL.service}=${service.id}`] } });
      const versions = containers.map((c) => c.Labels[LABEL.version]);
      if (versions.length !== 1 || versions[0] !== version) throw new Error(`after the rollout to ${version} the service runs ${versions.join(', ') || 'nothing'}`);
      slipwayVersion = version;
      return deployed - r.startedAt;
    };

    const times = { slipway: [] as number[], matched: [] as number[], tight: [] as number[] };
    const variants: Array<[keyof typeof times, () => Promise<number>]> = [
      ['slipway', () => slipwayRollTo(slipwayVersion === 'v1' ? 'v2' : 'v1')],
      ['matched', () => rawMatched.rollTo(rawMatched.current?.version === 'v1' ? 'v2' : 'v1')],
      ['tight', () => rawTight.rollTo(rawTight.current?.version === 'v1' ? 'v2' : 'v1')],
    ];
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate who goes first, so that no variant always follows the same one.
      for (let k = 0; k < variants.length; k++) {
        const [name, roll] = variants[(round + k) % variants.length]!;
        times[name].push(await roll());
      }
    }

    const slipway = median(times.slipway);
    const matched = median(times.matched);
    const tight = median(times.tight);
    const rows: Row[] = [
      {
        what: 'Slipway: Deploy other version, 1 instance (request → DEPLOYED)',
        measured: `${ms(slipway)} median (runs: ${runsList(times.slipway)})`,
        target: '',
        verdict: 'info',
        value: slipway,
        unit: 'ms',
      },
      {
        what: `docker CLI: pull, create, start, poll every ${PERIOD_SECONDS} s, stop + rm old`,
        measured: `${ms(matched)} median (runs: ${runsList(times.matched)})`,
        target: '',
        verdict: 'info',
        value: matched,
        unit: 'ms',
      },
      {
        what: `ratio Slipway / docker CLI (same ${PERIOD_SECONDS} s poll period)`,
        measured: (slipway / matched).toFixed(2),
        target: '≤ 1.2',
        verdict: verdict(slipway / matched <= 1.2),
        value: slipway / matched,
      },
      {
        what: 'docker CLI, polling every 100 ms instead',
        measured: `${ms(tight)} median (runs: ${runsList(times.tight)})`,
        target: '',
        verdict: 'info',
        value: tight,
        unit: 'ms',
      },
      {
        what: 'ratio Slipway / docker CLI polling every 100 ms',
        measured: (slipway / tight).toFixed(2),
        target: '(context)',
        verdict: 'info',
        value: slipway / tight,
      },
    ];
    return {
      name: 'rollout',
      title: 'Rollout against the raw engine',
      rows,
      notes: [
        `${ROUNDS} rounds, each running the three variants in a rotating order; each rollout flips its lineage between ${testImages.appV1.name}:v1 and :v2 (the images are local, so a pull is a registry round trip).`,
        'Slipway: an Engine with the real Docker runtime on SQLite, in this process; timed from submit() until the service is DEPLOYED. Raw: each step a `docker` CLI process (containers on a user-defined bridge network, same CPU/memory limits, restart policy and log options as Slipway sets), readiness polled over HTTP from this process, old container removed with `docker stop -t 10` then `docker rm`.',
      ],
    };
  } finally {
    await bench.close();
    if (environmentId) await removeEnvironmentResources(bench.docker!, environmentId);
    const leftovers = await docker('ps', '-aq', '--filter', `label=${RAW_LABEL}=${process.pid}`).catch(() => '');
    if (leftovers) await docker('rm', '-f', ...leftovers.split('\n')).catch(() => '');
    await docker('network', 'rm', network).catch(() => '');
  }
}
