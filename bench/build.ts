/**
 * Build benchmark (issue 3): commit to serving, one small app, through Slipway (in-process
 * src/app.ts, real git, Docker Engine, registry) against the same work by hand (git clone,
 * docker build, docker push, docker run, wait until ready); and the same commit deployed again
 * (build skipped) from request to DEPLOYED. Run: `npx tsx bench/build.ts` (services up:
 * scripts/services/up.sh). Targets: ratio ≤ 1.15, redeploy < 2 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startSlipway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { GitRepo } from '../test/integration/build/git-repo.js';

const REGISTRY = process.env.SLIPWAY_TEST_REGISTRY ?? '127.0.0.1:5000';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HAND_PORT = 22990;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function serves(url: string, body: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return response.ok && (await response.text()) === body;
}

const sh = (cmd: string, args: string[], cwd?: string): string => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function byHand(repo: GitRepo, version: string, round: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hand-'));
  const name = `bench-hand-${round}-${Date.now()}`;
  const image = `${REGISTRY}/bench-hand:${name}`;
  const t0 = performance.now();
  try {
    sh('git', ['clone', '-q', '--depth', '1', '--branch', 'main', repo.fileUrl, join(dir, 'src')]);
    sh('docker', ['build', '-q', '-t', image, join(dir, 'src')]);
    sh('docker', ['push', '-q', image]);
    sh('docker', ['run', '-d', '--name', name, '-p', `127.0.0.1:${HAND_PORT}:8080`, image]);
    await until('hand-run app', () => serves(`http://127.0.0.1:${HAND_PORT}/healthz`, 'ok'));
    await until('hand-run version', () => serves(`http://127.0.0.1:${HAND_PORT}/`, version));
    return performance.now() - t0;
  } finally {
    sh('docker', ['rm', '-f', name]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-build-'));
const config = { ...loadConfig({ ...process.env, SLIPWAY_PORT: '0', SLIPWAY_HOST: '127.0.0.1', SLIPWAY_DATA_DIR: dataDir, SLIPWAY_REGISTRY: REGISTRY, SLIPWAY_BOOTSTRAP_TOKEN: 'bench-token', SLIPWAY_EDGE_PORTS: '22900-22949', SLIPWAY_PUBLIC_HOST: '127.0.0.1' }) };
const slipway = await startSlipway(config, pino({ level: 'warn' }));
const repo = new GitRepo();
const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${slipway.url}/api/v1${path}`, {
    method,
    headers: { authorization: 'Bearer bench-token', ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
};
const waitDeployed = async (deploymentId: string): Promise<void> =>
  until('deployment end', async () => {
    const d = await api<{ status: string }>('GET', `/deployments/${deploymentId}`);
    if (d.status === 'ERROR' || d.status === 'CANCELED') throw new Error(`deployment ${d.status}`);
    return d.status === 'SUCCESS';
  });

const hand: number[] = [];
const viaSlipway: number[] = [];
const again: number[] = [];
let environmentId = '';
try {
  repo.writeApp('', 'v0');
  repo.commit('v0');
  const project = await api<{ id: string }>('POST', '/projects', { name: `bench-${Date.now().toString(36)}` });
  environmentId = (await api<{ id: string }>('POST', `/projects/${project.id}/environments`, { name: 'bench' })).id;
  const service = await api<{ id: string }>('POST', `/environments/${environmentId}/services`, {
    name: 'web',
    type: 'application',
    source: { git: { url: repo.fileUrl, branch: 'main' } },
    settings: {
      memoryMb: 32,
      cpu: 100,
      ports: [{ containerPort: 8080, public: true, protocol: 'http' }],
      healthchecks: { readiness: { type: 'http', path: '/healthz', port: 8080, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 } },
    },
  });
  for (let round = 0; round < ROUNDS; round++) {
    // A new commit each time, so neither side can reuse a built image (layer cache aside: both share it).
    repo.writeApp('', `hand-${round}-${Date.now()}`);
    const handVersion = `hand-${round}`;
    repo.write('www/index.html', handVersion);
    repo.commit(`hand ${round}`);
    hand.push(await byHand(repo, handVersion, round));

    const version = `slipway-${round}-${Date.now()}`;
    repo.write('www/index.html', version);
    const sha = repo.commit(`slipway ${round}`);
    const t0 = performance.now();
    const { deploymentId } = await api<{ deploymentId: string }>('POST', `/services/${service.id}/deploy`, { version: sha });
    await waitDeployed(deploymentId);
    const { endpoints } = await api<{ endpoints: Array<{ url: string }> }>('GET', `/services/${service.id}`);
    await until('slipway version', () => serves(endpoints[0]!.url, version));
    viaSlipway.push(performance.now() - t0);

    const t1 = performance.now();
    const redeploy = await api<{ deploymentId: string }>('POST', `/services/${service.id}/redeploy`);
    await waitDeployed(redeploy.deploymentId);
    again.push(performance.now() - t1);
  }
  const h = median(hand);
  const s = median(viaSlipway);
  console.log(JSON.stringify({ rounds: ROUNDS, handMs: hand.map(Math.round), slipwayMs: viaSlipway.map(Math.round), redeployMs: again.map(Math.round) }));
  console.log(`commit to serving: by hand ${h.toFixed(0)} ms, through Slipway ${s.toFixed(0)} ms, ratio ${(s / h).toFixed(2)} (target ≤ 1.15)`);
  console.log(`same commit again (build skipped): ${median(again).toFixed(0)} ms to DEPLOYED (target < 2000 ms)`);
} finally {
  if (environmentId) {
    const d = await api<{ deploymentId: string }>('DELETE', `/environments/${environmentId}`).catch(() => undefined);
    if (d) await waitDeployed(d.deploymentId).catch(() => undefined);
  }
  await slipway.close();
  repo.dispose();
  rmSync(dataDir, { recursive: true, force: true });
}
