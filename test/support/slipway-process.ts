import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { newTestEdge, removeTestEdge, testEdgeEnv, type TestEdge } from './test-edge.js';

/**
 * A real Slipway server (`node --import tsx src/cli/main.ts server`) run as a child process, for
 * end-to-end tests: its own temp data dir (or a shared PostgreSQL), port 0, a short lease, its
 * own Caddy edge (test/support/test-edge.ts), and the edge-port range the test file owns for
 * published tcp ports. It can be SIGKILLed, stopped, and started again on the same data dir and
 * edge; dispose() removes both.
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(REPO, 'src/cli/main.ts');
const START_TIMEOUT_MS = 60_000;
const KEEP_LINES = 400;

export interface SlipwayProcessOptions {
  /** e.g. "21000-21099": each test file owns its own range, so files never collide. */
  edgePorts: string;
  /** Unset: SQLite in the data dir. */
  databaseUrl?: string;
  /** Unset: a new temp dir (removed by dispose()). */
  dataDir?: string;
  bootstrapToken?: string;
  leaseSeconds?: number;
  /** Shared by processes on one PostgreSQL: they must all decrypt the same secrets. */
  secretKey?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Shown in diagnostics. */
  name?: string;
  /** Called with the process as soon as it is spawned, before it listens (to watch its start). */
  onSpawn?: (server: SlipwayProcess) => void;
}

export interface LogRecord {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

/** Every child still alive when the test process exits is SIGKILLed: no server outlives its test. */
const alive = new Set<ChildProcess>();
function killAll(): void {
  for (const child of alive) child.kill('SIGKILL');
}
process.once('exit', killAll);
// A test run interrupted (Ctrl-C, the runner's SIGTERM) would otherwise leave servers behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

export class SlipwayProcess {
  readonly token: string;
  /** The server's pino records (JSON lines of stdout), the last few hundred. */
  readonly records: LogRecord[] = [];
  /** Lines that are not JSON (stderr, crashes), the last few hundred. */
  readonly rawLines: string[] = [];
  private exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private recordListeners = new Set<(record: LogRecord) => void>();

  private constructor(
    readonly options: Required<Pick<SlipwayProcessOptions, 'edgePorts' | 'dataDir' | 'bootstrapToken' | 'leaseSeconds' | 'secretKey'>> &
      SlipwayProcessOptions & { edge: TestEdge },
    private readonly ownsDataDir: boolean,
    readonly child: ChildProcess,
    public url = '',
  ) {
    this.token = options.bootstrapToken;
    alive.add(child);
    this.exitPromise = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        alive.delete(child);
        resolveExit({ code, signal });
      });
    });
    const keep = (list: unknown[], item: unknown) => {
      list.push(item);
      if (list.length > KEEP_LINES) list.shift();
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let record: LogRecord | undefined;
      try {
        record = JSON.parse(line) as LogRecord;
      } catch {
        keep(this.rawLines, line);
        return;
      }
      keep(this.records, record);
      if (process.env.SLIPWAY_TEST_VERBOSE) console.log(`[${this.name}] ${line}`);
      for (const listener of this.recordListeners) listener(record);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      keep(this.rawLines, line);
      if (process.env.SLIPWAY_TEST_VERBOSE) console.log(`[${this.name} stderr] ${line}`);
    });
  }

  get name(): string {
    return this.options.name ?? 'slipway';
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Starts a server and resolves once it logged "Slipway is listening". */
  static async start(options: SlipwayProcessOptions): Promise<SlipwayProcess> {
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'slipway-e2e-')));
    const full = {
      ...options,
      dataDir,
      edge: await newTestEdge(),
      bootstrapToken: options.bootstrapToken ?? 'e2e-bootstrap-token',
      leaseSeconds: options.leaseSeconds ?? 2,
      secretKey: options.secretKey ?? 'e2e-secret-key',
    };
    return SlipwayProcess.spawn(full, ownsDataDir);
  }

  private static async spawn(options: SlipwayProcess['options'], ownsDataDir: boolean): Promise<SlipwayProcess> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SLIPWAY_PORT: '0',
      SLIPWAY_HOST: '127.0.0.1',
      SLIPWAY_PUBLIC_HOST: '127.0.0.1',
      SLIPWAY_DATA_DIR: options.dataDir,
      SLIPWAY_BOOTSTRAP_TOKEN: options.bootstrapToken,
      SLIPWAY_SECRET_KEY: options.secretKey,
      SLIPWAY_EDGE_PORTS: options.edgePorts,
      ...testEdgeEnv(options.edge),
      SLIPWAY_LEASE_SECONDS: String(options.leaseSeconds),
      SLIPWAY_LOG_LEVEL: process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'info',
      ...(options.env ?? {}),
    };
    if (options.databaseUrl) env.SLIPWAY_DATABASE_URL = options.databaseUrl;
    else delete env.SLIPWAY_DATABASE_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'server'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new SlipwayProcess(options, ownsDataDir, child);
    options.onSpawn?.(server);
    try {
      const record = await server.waitForRecord((r) => r.msg === 'Slipway is listening', START_TIMEOUT_MS);
      server.url = String(record.url);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${server.name} did not start: ${(error as Error).message}\n${server.tail(30)}`);
    }
    return server;
  }

  /** Resolves with the first record (already logged or to come) that matches; rejects on exit or deadline. */
  waitForRecord(match: (record: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord> {
    const seen = this.records.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveRecord, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.recordListeners.delete(listener);
      };
      const listener = (record: LogRecord) => {
        if (!match(record)) return;
        done();
        resolveRecord(record);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log record within ${timeoutMs} ms`));
      }, timeoutMs);
      this.recordListeners.add(listener);
      void this.exitPromise.then(({ code, signal }) => {
        if (!this.recordListeners.has(listener)) return;
        done();
        reject(new Error(`the process exited (code ${code}, signal ${signal})`));
      });
    });
  }

  /** The last lines it printed, for failure messages. */
  tail(n = 20): string {
    const lines = [...this.records.map((r) => JSON.stringify(r)), ...this.rawLines];
    return lines.slice(-n).join('\n');
  }

  /** SIGKILL, as a crash: nothing is cleaned up by the server. */
  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exitPromise;
  }

  /** SIGTERM and wait until it exited (it lets running deployments finish first). */
  async stop(timeoutMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exited) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exitPromise;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A new server on the same data dir (and database); this one must have exited. */
  async restart(): Promise<SlipwayProcess> {
    if (!this.exited) throw new Error('restart(): the previous process still runs; kill() or stop() it first');
    return SlipwayProcess.spawn(this.options, this.ownsDataDir);
  }

  /** Its edge: the Caddy container and the host ports that serve its apps by host name. */
  get edge(): TestEdge {
    return this.options.edge;
  }

  /** Kills the process if it still runs and removes the temp data dir and the edge it created. */
  async dispose(): Promise<void> {
    await this.kill();
    await removeTestEdge(this.options.edge.container);
    if (this.ownsDataDir) await rm(this.options.dataDir, { recursive: true, force: true });
  }
}
