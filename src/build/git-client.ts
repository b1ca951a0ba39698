import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../domain/errors.js';
import type { GitSource } from '../domain/index.js';
import { displayGitUrl, gitUrlSecrets, parseGitRemote, type GitRemote } from './git-remote.js';

/**
 * Git through the `git` CLI, always with argument arrays (never a shell). Credentials never
 * reach a command line, a log or an error: HTTP tokens go to git as an `http.extraHeader`
 * read from an environment variable (`--config-env`), ssh keys as a 0600 file named in
 * GIT_SSH_COMMAND.
 */

export type GitSourceSpec = GitSource['git'];

export interface CommitInfo {
  sha: string;
  message: string;
  author: string;
  date: string;
}

/** A git remote could not be read, or lacks what was asked. Its message never holds credentials. */
export class GitError extends DomainError {
  constructor(message: string) {
    super('GIT_ERROR', message);
    this.name = 'GitError';
  }
}

export interface GitClientOptions {
  /** Where the bare mirrors that list commits are cached. */
  cacheDir: string;
  /** A private key (PEM/OpenSSH text) used for ssh remotes. */
  sshPrivateKey?: string;
  /** file:// remotes (docs/build.md#git-urls: allowed by default only for the docker runtime). */
  allowFileUrls?: boolean;
  /** Per git command that talks to a remote, unless a signal says otherwise. Default 120 s. */
  timeoutMs?: number;
}

interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Values to blank out of error messages. */
  secrets?: readonly string[];
  /** Called with each line git writes to stderr (progress), already redacted. */
  onLine?: (line: string) => void;
}

const SHA = /^[0-9a-f]{40}$/;
const SHORT_SHA = /^[0-9a-f]{7,40}$/;

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: a secret containing another must not leave its suffix readable.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) if (secret) out = out.split(secret).join('********');
  // Whatever git might print of a URL with userinfo: all of it, up to the last "@" of the authority.
  return out.replace(/(https?:\/\/)[^/\s]*@/gi, '$1********@');
}

/** Runs git with an argument array; rejects with the tail of its stderr, scrubbed. */
export function runGit(args: readonly string[], options: RunOptions = {}): Promise<string> {
  const secrets = options.secrets ?? [];
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        // Never wait for a password on a terminal nor ask any helper: fail clearly instead.
        GIT_TERMINAL_PROMPT: '0',
        GIT_ASKPASS: 'true',
        SSH_ASKPASS: 'true',
        GIT_CONFIG_NOSYSTEM: '1',
        LC_ALL: 'C',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    let err = '';
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      err = (err + text).slice(-8000);
      if (options.onLine) {
        const lines = (partial + text).split(/\r|\n/);
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) options.onLine(scrub(line, secrets));
      }
    });
    child.on('error', (error) => {
      if (options.signal?.aborted) reject(new GitError(`git ${args.find((a) => !a.startsWith('-')) ?? ''} was stopped`));
      else reject(new GitError(`git could not run: ${scrub(error.message, secrets)}`));
    });
    child.on('close', (code) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      if (options.signal?.aborted) return reject(new GitError(`git ${args.find((a) => !a.startsWith('-')) ?? ''} was stopped`));
      const tail = scrub(err, secrets)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-4)
        .join('; ');
      reject(new GitError(tail || `git exited with code ${code}`));
    });
  });
}

/** What git needs to reach one remote: extra leading arguments and environment. */
interface RemoteAccess {
  remote: GitRemote;
  /** Arguments before the git subcommand (e.g. --config-env=…). */
  pre: string[];
  env: Record<string, string>;
  secrets: string[];
  /** Removes the files written for this access (the ssh key copy). */
  dispose(): Promise<void>;
}

export class GitClient {
  private readonly mirrorLocks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: GitClientOptions) {}

  private timeout(signal?: AbortSignal): AbortSignal {
    const limit = AbortSignal.timeout(this.options.timeoutMs ?? 120_000);
    return signal ? AbortSignal.any([signal, limit]) : limit;
  }

  /**
   * How to reach the source's remote. keyDir receives the ssh key copy (mode 0600) when one
   * is needed; the caller's dispose removes it. ssh host keys are accepted when new and kept
   * in `<cacheDir>/known_hosts`: a host whose key changed is refused.
   */
  private async access(url: string, keyDir: string): Promise<RemoteAccess> {
    let remote: GitRemote;
    try {
      remote = parseGitRemote(url);
    } catch (error) {
      throw new GitError((error as Error).message);
    }
    const secrets = gitUrlSecrets(url);
    const access: RemoteAccess = { remote, pre: [], env: {}, secrets, dispose: async () => undefined };
    if (remote.kind === 'file' && this.options.allowFileUrls === false) {
      throw new GitError('file:// git URLs are not allowed on this server');
    }
    if (remote.kind === 'http' && remote.credentials) {
      const { username, password } = remote.credentials;
      const basic = Buffer.from(`${username}:${password}`).toString('base64');
      secrets.push(basic);
      access.pre.push('--config-env=http.extraHeader=SLIPWAY_GIT_AUTH_HEADER');
      access.env.SLIPWAY_GIT_AUTH_HEADER = `Authorization: Basic ${basic}`;
    }
    if (remote.kind === 'ssh') {
      const keyFile = join(keyDir, 'ssh-key');
      // Trust on first use, then remembered: a known_hosts per access (thrown away afterwards)
      // would accept any host key every time, a changed one included.
      const knownHosts = join(this.options.cacheDir, 'known_hosts');
      await mkdir(this.options.cacheDir, { recursive: true });
      const quote = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;
      // GIT_SSH_COMMAND is read by a shell inside git: our own paths only, single-quoted.
      const parts = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${quote(knownHosts)}`];
      if (this.options.sshPrivateKey) {
        await mkdir(keyDir, { recursive: true });
        const key = this.options.sshPrivateKey.endsWith('\n') ? this.options.sshPrivateKey : `${this.options.sshPrivateKey}\n`;
        await writeFile(keyFile, key, { mode: 0o600 });
        await chmod(keyFile, 0o600);
        parts.push('-i', quote(keyFile), '-o', 'IdentitiesOnly=yes');
        access.dispose = () => rm(keyFile, { force: true });
      }
      access.env.GIT_SSH_COMMAND = parts.join(' ');
    }
    return access;
  }

  private async withAccess<T>(url: string, work: (access: RemoteAccess) => Promise<T>): Promise<T> {
    const keyDir = await mkdtemp(join(this.options.cacheDir, 'access-')).catch(async () => {
      await mkdir(this.options.cacheDir, { recursive: true });
      return mkdtemp(join(this.options.cacheDir, 'access-'));
    });
    try {
      const access = await this.access(url, keyDir);
      try {
        return await work(access);
      } finally {
        await access.dispose();
      }
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  }

  /** The commit at the head of the branch (`git ls-remote`). */
  async headCommit(source: GitSourceSpec, signal?: AbortSignal): Promise<string> {
    return this.withAccess(source.url, async (access) => {
      const ref = `refs/heads/${source.branch}`;
      const out = await runGit([...access.pre, 'ls-remote', '--', access.remote.url, ref], {
        env: access.env,
        signal: this.timeout(signal),
        secrets: access.secrets,
      }).catch((error: Error) => {
        throw new GitError(`cannot read ${displayGitUrl(source.url)}: ${error.message}`);
      });
      const line = out.split('\n').find((l) => l.endsWith(`\t${ref}`));
      const sha = line?.split('\t')[0];
      if (!sha || !SHA.test(sha)) throw new GitError(`branch ${source.branch} not found in ${displayGitUrl(source.url)}`);
      return sha;
    });
  }

  /**
   * Recent commits of the branch, newest first, from a cached bare mirror refreshed by a
   * shallow fetch of the last `limit` commits.
   */
  async listCommits(source: GitSourceSpec, limit: number, signal?: AbortSignal): Promise<CommitInfo[]> {
    const remoteUrl = displayGitUrl(source.url);
    const key = createHash('sha256').update(`${remoteUrl}\n${source.branch}`).digest('hex').slice(0, 24);
    const mirror = join(this.options.cacheDir, 'mirrors', key);
    const previous = this.mirrorLocks.get(mirror) ?? Promise.resolve();
    const run = previous.then(
      () => this.refreshAndList(source, mirror, limit, signal),
      () => this.refreshAndList(source, mirror, limit, signal),
    );
    this.mirrorLocks.set(mirror, run.catch(() => undefined));
    return run;
  }

  private async refreshAndList(source: GitSourceSpec, mirror: string, limit: number, signal?: AbortSignal): Promise<CommitInfo[]> {
    const exists = await stat(join(mirror, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(mirror, { recursive: true });
      await runGit(['init', '-q', '--bare', mirror]);
    }
    const branchRef = `refs/heads/${source.branch}`;
    await this.withAccess(source.url, (access) =>
      runGit([...access.pre, '--git-dir', mirror, 'fetch', '-q', '--no-tags', `--depth=${limit}`, '--', access.remote.url, `+${branchRef}:${branchRef}`], {
        env: access.env,
        signal: this.timeout(signal),
        secrets: access.secrets,
      }),
    ).catch((error: Error) => {
      throw new GitError(`cannot read branch ${source.branch} of ${displayGitUrl(source.url)}: ${error.message}`);
    });
    const out = await runGit(['--git-dir', mirror, 'log', `--max-count=${limit}`, '--format=%H%x1f%s%x1f%an <%ae>%x1f%cI%x1e', branchRef, '--']);
    return out
      .split('\x1e')
      .map((record) => record.trim())
      .filter(Boolean)
      .map((record) => {
        const [sha = '', message = '', author = '', date = ''] = record.split('\x1f');
        return { sha, message, author, date };
      });
  }

  /**
   * Fetches exactly `commit` (shallow where the remote allows it, else the whole history)
   * into `gitDir` and checks it out into `workTree`. Returns the full commit SHA.
   */
  async fetchCommit(
    source: GitSourceSpec,
    commit: string,
    dirs: { gitDir: string; workTree: string; keyDir: string },
    options: { signal: AbortSignal; log: (line: string) => void },
  ): Promise<string> {
    if (!SHORT_SHA.test(commit)) throw new GitError(`not a commit SHA: ${commit}`);
    const access = await this.access(source.url, dirs.keyDir);
    // fetch.unpackLimit=1: keep what is fetched as the pack it arrived in (indexed) rather than
    // unpacking it into loose objects, each zlib-compressed again (~40 ms for a 2 MB binary) for
    // a git dir that only serves one checkout and is then removed.
    const run = (args: string[], remote = false): Promise<string> =>
      runGit(remote ? [...access.pre, '-c', 'fetch.unpackLimit=1', '--git-dir', dirs.gitDir, ...args] : ['--git-dir', dirs.gitDir, ...args], {
        env: access.env,
        signal: options.signal,
        secrets: access.secrets,
        onLine: remote ? options.log : undefined,
      });
    try {
      await Promise.all([mkdir(dirs.workTree, { recursive: true }), runGit(['init', '-q', '--bare', dirs.gitDir], { signal: options.signal })]);
      let fetched = false;
      if (SHA.test(commit)) {
        options.log(`fetching commit ${commit} (shallow) from ${access.remote.kind === 'http' ? displayGitUrl(source.url) : access.remote.url}`);
        try {
          await run(['fetch', '-q', '--no-tags', '--depth=1', '--', access.remote.url, commit], true);
          fetched = true;
        } catch (error) {
          if (options.signal.aborted) throw error;
          options.log(`shallow fetch of one commit refused (${(error as Error).message}); fetching the branches`);
        }
      }
      if (!fetched) {
        await run(['fetch', '-q', '--no-tags', '--', access.remote.url, '+refs/heads/*:refs/remotes/origin/*'], true);
      }
      const resolve = async (): Promise<string> => {
        try {
          return (await run(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`])).trim();
        } catch {
          throw new GitError(`commit ${commit} not found in ${displayGitUrl(source.url)}`);
        }
      };
      // A full SHA names itself, and checking out `<sha>^{commit}` fails unless it is a commit
      // here: rev-parse (one more git process) runs only to expand a short SHA or to say why
      // the checkout failed.
      const full = SHA.test(commit) ? commit : await resolve();
      try {
        await run(['--work-tree', dirs.workTree, 'checkout', '-q', '-f', `${full}^{commit}`, '--', '.']);
      } catch (error) {
        if (options.signal.aborted) throw error;
        await resolve();
        throw error;
      }
      return full;
    } finally {
      await access.dispose();
    }
  }
}
