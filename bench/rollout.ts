/**
 * Rollout against the raw engine, two comparisons:
 *
 * 1. One instance of app v1 replaced by v2 (and back, each round flips the version) through
 *    Slipway — Deploy other version on a service with an http readiness probe on /healthz,
 *    period 1 s — against the same work done by a script driving the Docker Engine API directly
 *    (dockerode, no CLI process): pull, create, start, poll readiness every 50 ms, stop and
 *    remove the old container. The variants alternate in a rotating order; medians. The same
 *    script polling every 1 s (Slipway's probe period) is shown for context.
 * 2. First deploy of an environment of 50 services (request → all DEPLOYED) against the script
 *    creating and starting the same 50 containers with the same parallelism (the environment's
 *    maxParallelDeploys), each polled every 50 ms until ready; alternated, medians.
 */
import pLimit from 'p-limit';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, type Probe } from '../src/domain/index.js';
import { LABEL } from '../src/runtime/docker/names-and-labels.js';
import { APP_PORT, testImages } from '../test/support/images.js';
import { benchEngine, runAction, type BenchEngine } from './support/bench-engine.js';
import { removeEnvironmentResources } from './support/docker-cleanup.js';
import { ApiRollout, pull, RAW_LABEL, removeRaw, startReady, stopAndRemove } from './support/engine-api-script.js';
import { ms, verdict, type BenchResult, type Row } from './support/report.js';
import { median, runsList } from './support/stats.js';

const ROUNDS = Number(process.env.BENCH_ROLLOUT_ROUNDS ?? 5);
const FIRST_DEPLOY_SERVICES = Number(process.env.BENCH_ROLLOUT_FIRST_DEPLOY_SERVICES ?? 50);
const FIRST_DEPLOY_ROUNDS = Number(process.env.BENCH_ROLLOUT_FIRST_DEPLOY_ROUNDS ?? 2);
const PERIOD_SECONDS = 1;
const TIGHT_POLL_MS = 50;
const READINESS: Probe = { type: 'http', path: '/healthz', port: APP_PORT, initialDelaySeconds: 0, periodSeconds: PERIOD_SECONDS, timeoutSeconds: 1, failureThreshold: 3 };

function serviceInput(environmentId: string, name: string) {
  return {
    environmentId,
    name,
    type: 'container' as const,
    source: { image: { name: testImages.appV1.name, tag: testImages.appV1.tag } },
    settings: { ...DEFAULT_SERVICE_SETTINGS, ports: [{ containerPort: APP_PORT, public: false, protocol: 'http' as const }], healthchecks: { readiness: READINESS } },
  };
}

/** Slipway's first deploy of a fresh environment of `count` services: request → every service DEPLOYED. */
async function slipwayFirstDeploy(bench: BenchEngine, projectId: string, round: number, count: number, created: string[]): Promise<{ ms: number; environmentId: string; maxParallel: number }> {
  const environment = await bench.store.createEnvironment({ projectId, name: `first-${round}`, runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
  created.push(environment.id);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await bench.store.createService(serviceInput(environment.id, `svc-${String(i).padStart(2, '0')}`))).id);
  const r = await runAction(bench, { environmentId: environment.id, action: 'DEPLOY' }, 600_000);
  if (r.status !== 'SUCCESS') throw new Error(`first deploy of ${count} services ended ${r.status}: ${r.message}`);
  const deployed = bench.events.lastStatusAt(ids, 'DEPLOYED', r.startedAt);
  if (deployed === null) throw new Error('not every service went DEPLOYED');
  return { ms: deployed - r.startedAt, environmentId: environment.id, maxParallel: environment.settings.maxParallelDeploys };
}

/** The script's first deploy: pull once, then `count` containers created, started and polled ready, `parallel` at a time. */
async function apiFirstDeploy(bench: BenchEngine, network: string, round: number, count: number, parallel: number): Promise<number> {
  const docker = bench.docker!;
  const start = performance.now();
  await pull(docker, testImages.appV1.ref);
  const limit = pLimit(parallel);
  const ids = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(() => startReady(docker, { network, ref: testImages.appV1.ref, name: `slipway-bench-raw-first-${process.pid}-${round}-${i}`, pollMs: TIGHT_POLL_MS })),
    ),
  );
  const took = performance.now() - start;
  await Promise.all(ids.map((id) => stopAndRemove(docker, id)));
  return took;
}

async function firstDeployRows(bench: BenchEngine, projectId: string, network: string, created: string[]): Promise<Row[]> {
  const times = { slipway: [] as number[], api: [] as number[] };
  let parallel = DEFAULT_ENVIRONMENT_SETTINGS.maxParallelDeploys;
  for (let round = 0; round < FIRST_DEPLOY_ROUNDS; round++) {
    const order = round % 2 === 0 ? (['slipway', 'api'] as const) : (['api', 'slipway'] as const);
    for (const variant of order) {
      if (variant === 'api') {
        times.api.push(await apiFirstDeploy(bench, network, round, FIRST_DEPLOY_SERVICES, parallel));
        continue;
      }
      const r = await slipwayFirstDeploy(bench, projectId, round, FIRST_DEPLOY_SERVICES, created);
      parallel = r.maxParallel;
      times.slipway.push(r.ms);
      await removeEnvironmentResources(bench.docker!, r.environmentId);
    }
  }
  const slipway = median(times.slipway);
  const api = median(times.api);
  return [
    { what: `Slipway: first Deploy of ${FIRST_DEPLOY_SERVICES} services (request → all DEPLOYED)`, measured: `${ms(slipway)} median (runs: ${runsList(times.slipway)})`, target: '', verdict: 'info', value: slipway, unit: 'ms' },
    { what: `Engine API script: the same ${FIRST_DEPLOY_SERVICES} containers, ${parallel} at a time, poll every ${TIGHT_POLL_MS} ms`, measured: `${ms(api)} median (runs: ${runsList(times.api)})`, target: '', verdict: 'info', value: api, unit: 'ms' },
    { what: 'ratio Slipway / Engine API script (first deploy)', measured: (slipway / api).toFixed(2), target: '≤ 1.15', verdict: verdict(slipway / api <= 1.15), value: slipway / api },
  ];
}

export async function rolloutVsDocker(): Promise<Omit<BenchResult, 'durationMs'>> {
  const bench = await benchEngine('docker');
  const network = `slipway-bench-raw-${process.pid}`;
  const docker = bench.docker!;
  let environmentId: string | undefined;
  /** Environments of the first-deploy rounds, removed at the end whatever happens. */
  const created: string[] = [];
  try {
    const project = await bench.store.createProject({ name: `bench-rollout-${Date.now().toString(36)}` });
    const environment = await bench.store.createEnvironment({ projectId: project.id, name: 'bench', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    environmentId = environment.id;
    const service = await bench.store.createService(serviceInput(environment.id, 'web'));
    const initial = await runAction(bench, { environmentId: environment.id, action: 'DEPLOY' }, 120_000);
    if (initial.status !== 'SUCCESS') throw new Error(`initial deploy ended ${initial.status}: ${initial.message}`);

    await docker.createNetwork({ Name: network, Labels: { [RAW_LABEL]: String(process.pid) } });
    const rawTight = new ApiRollout(docker, network, testImages.appV1.name, TIGHT_POLL_MS, 'a');
    const rawMatched = new ApiRollout(docker, network, testImages.appV1.name, PERIOD_SECONDS * 1000, 'b');
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
      ['tight', () => rawTight.rollTo(rawTight.current?.version === 'v1' ? 'v2' : 'v1')],
      ['matched', () => rawMatched.rollTo(rawMatched.current?.version === 'v1' ? 'v2' : 'v1')],
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
        what: `Engine API script: pull, create, start, poll every ${TIGHT_POLL_MS} ms, stop + remove old`,
        measured: `${ms(tight)} median (runs: ${runsList(times.tight)})`,
        target: '',
        verdict: 'info',
        value: tight,
        unit: 'ms',
      },
      {
        what: `ratio Slipway / Engine API script (poll every ${TIGHT_POLL_MS} ms)`,
        measured: (slipway / tight).toFixed(2),
        target: '≤ 1.1',
        verdict: verdict(slipway / tight <= 1.1),
        value: slipway / tight,
      },
      {
        what: `Engine API script polling every ${PERIOD_SECONDS} s (Slipway's probe period) instead`,
        measured: `${ms(matched)} median (runs: ${runsList(times.matched)}); ratio ${(slipway / matched).toFixed(2)}`,
        target: '(context)',
        verdict: 'info',
        value: matched,
        unit: 'ms',
      },
      ...(FIRST_DEPLOY_SERVICES > 0 ? await firstDeployRows(bench, project.id, network, created) : []),
    ];
    return {
      name: 'rollout',
      title: 'Rollout against the raw engine',
      rows,
      notes: [
        `${ROUNDS} rounds, each running the three variants in a rotating order; each rollout flips its lineage between ${testImages.appV1.name}:v1 and :v2 (the images are local, so a pull is a registry round trip).`,
        'Slipway: an Engine with the real Docker runtime on SQLite, in this process; timed from submit() until the service is DEPLOYED. Raw: each step one Docker Engine API call through dockerode (containers on a user-defined bridge network, same CPU/memory limits, init, restart policy and log options as Slipway sets), readiness polled over HTTP from this process, old container stopped (10 s grace) and removed.',
        `First deploy: ${FIRST_DEPLOY_ROUNDS} rounds alternating which goes first; Slipway deploys a fresh environment each round; the script pulls the image once, then starts the containers as many at a time as the environment's maxParallelDeploys.`,
      ],
    };
  } finally {
    await bench.close();
    if (environmentId) await removeEnvironmentResources(bench.docker!, environmentId);
    for (const id of created) await removeEnvironmentResources(docker, id);
    await removeRaw(docker, network);
  }
}
