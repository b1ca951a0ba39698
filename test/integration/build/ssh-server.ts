import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/free-port.js';

/**
 * A real OpenSSH server (Debian's openssh-server) for the ssh git remote tests: a child
 * `sshd -D -e` on 127.0.0.1 and a free port, with its own host key, config and authorized keys
 * in a temp dir, letting root log in with a key only. Git over ssh runs `git-upload-pack` through
 * root's login shell, so the bare repositories it serves are any path on this machine.
 */

const SSHD = '/usr/sbin/sshd';

/** Every sshd still running when the test process exits is killed: none outlives its test. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/** An ed25519 key pair made by ssh-keygen (no passphrase) in dir: the private key file's path. */
export function generateKeyPair(dir: string, name: string): { privateKeyFile: string; publicKey: string; privateKey: string } {
  const privateKeyFile = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `slipway-test-${name}`, '-f', privateKeyFile], { stdio: 'ignore' });
  return {
    privateKeyFile,
    privateKey: readFileSync(privateKeyFile, 'utf8'),
    publicKey: readFileSync(`${privateKeyFile}.pub`, 'utf8').trim(),
  };
}

export class SshServer {
  /** What sshd wrote to stderr (-e), for failure messages. */
  readonly output: string[] = [];

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
  ) {}

  /**
   * Starts sshd letting in the given public keys (authorized_keys lines) as root; resolves once
   * it logged "Server listening". hostKeyName picks a host key file in the temp dir (a new
   * name = a new host key), so a test can restart with a different identity.
   */
  static async start(authorizedKeys: readonly string[], options: { dir?: string; port?: number; hostKeyName?: string } = {}): Promise<SshServer> {
    if (!execFileSync('sh', ['-c', `command -v ${SSHD} || true`], { encoding: 'utf8' }).trim()) {
      throw new Error(`${SSHD} is missing: run scripts/services/up.sh (it installs openssh-server)`);
    }
    // sshd refuses to start without its privilege separation directory (made by the service unit).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'slipway-sshd-'));
    const hostKey = join(dir, options.hostKeyName ?? 'host_ed25519');
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey], { stdio: 'ignore' });
    } catch {
      // Already there (a restart with the same identity).
    }
    const authorized = join(dir, 'authorized_keys');
    writeFileSync(authorized, `${authorizedKeys.join('\n')}\n`, { mode: 0o600 });
    const port = options.port ?? (await freePort());
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${authorized}`,
        'PidFile none',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'AllowUsers root',
        // The temp dir is under /tmp (mode 1777): StrictModes would refuse its authorized_keys.
        'StrictModes no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    alive.add(child);
    const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    void exited.then(() => alive.delete(child));
    const server = new SshServer(dir, port, child, exited);
    await new Promise<void>((resolveReady, reject) => {
      let buffer = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`sshd did not listen within 15 s:\n${server.output.join('')}`));
      }, 15_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        server.output.push(text);
        buffer += text;
        if (buffer.includes('Server listening on')) {
          clearTimeout(timer);
          resolveReady();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`sshd exited before listening:\n${server.output.join('')}`));
      });
    });
    return server;
  }

  /** Kills sshd (and waits for its exit). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills sshd and removes its temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
