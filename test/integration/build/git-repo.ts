import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real git repository made by the tests: a bare remote (reached as file:// or through
 * `git http-backend`) and a work tree that commits and pushes to it. The app it holds is built
 * FROM scratch with the static busybox: `busybox httpd` on :8080 serving www/ (`/` = version,
 * `/healthz` = ok).
 */

const BUSYBOX = '/bin/busybox';

export const APP_DOCKERFILE = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'COPY www /www',
  'ENTRYPOINT ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]',
  '',
].join('\n');

/** A build that runs for minutes (for Cancel): a RUN step that sleeps. */
export const SLOW_DOCKERFILE = ['FROM scratch', 'COPY busybox /bin/busybox', 'RUN ["/bin/busybox", "sleep", "300"]', ''].join('\n');

/** A Dockerfile whose build fails: it copies a file that does not exist. */
export const BROKEN_DOCKERFILE = ['FROM scratch', 'COPY no-such-file /nowhere', ''].join('\n');

export class GitRepo {
  readonly root: string;
  /** The bare repository (the remote). */
  readonly bare: string;
  readonly work: string;

  constructor(readonly branch = 'main') {
    this.root = mkdtempSync(join(tmpdir(), 'slipway-git-'));
    this.bare = join(this.root, 'remote.git');
    this.work = join(this.root, 'work');
    this.git(this.root, 'init', '-q', '--bare', '-b', branch, this.bare);
    this.git(this.root, 'init', '-q', '-b', branch, this.work);
    this.git(this.work, 'remote', 'add', 'origin', this.bare);
  }

  get fileUrl(): string {
    return `file://${this.bare}`;
  }

  private git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test Author',
        GIT_AUTHOR_EMAIL: 'author@example.test',
        GIT_COMMITTER_NAME: 'Test Author',
        GIT_COMMITTER_EMAIL: 'author@example.test',
      },
    }).trim();
  }

  write(path: string, content: string): void {
    const full = join(this.work, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  /** The app at a version, in a directory of the repository ('' = its root). */
  writeApp(dir: string, version: string, dockerfile = APP_DOCKERFILE): void {
    const at = (p: string) => (dir ? `${dir}/${p}` : p);
    mkdirSync(join(this.work, dir), { recursive: true });
    copyFileSync(BUSYBOX, join(this.work, at('busybox')));
    this.write(at('Dockerfile'), dockerfile);
    this.write(at('www/index.html'), version);
    this.write(at('www/healthz'), 'ok');
  }

  /** Commits everything and pushes it to the branch (the repository's own by default); the new commit's SHA. */
  commit(message: string, branch = this.branch): string {
    this.git(this.work, 'add', '-A');
    this.git(this.work, 'commit', '-q', '--allow-empty', '-m', message);
    this.git(this.work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    return this.git(this.work, 'rev-parse', 'HEAD');
  }

  /** Points the branch back at a commit (a force push). */
  resetTo(sha: string): void {
    this.git(this.work, 'reset', '-q', '--hard', sha);
    this.git(this.work, 'push', '-q', '-f', 'origin', `HEAD:refs/heads/${this.branch}`);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
