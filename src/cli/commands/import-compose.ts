import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { expectAddress } from '../address.js';
import { CliError, EXIT, usageError } from '../cli-error.js';
import { composeToEnvironment, type GitCheckout } from '../compose.js';
import { readEnvironmentFile } from '../env-file.js';
import { paint } from '../output.js';
import type { Session } from '../session.js';
import { applyDocument, type ApplyFlags } from './environment-files.js';

const run = promisify(execFile);

/** The git checkout a directory is in and its remote, or null (no git, no checkout, no remote). */
async function gitCheckout(directory: string): Promise<GitCheckout | null> {
  const git = async (...args: string[]) => (await run('git', ['-C', directory, ...args], { timeout: 10_000 })).stdout.trim();
  try {
    const top = await git('rev-parse', '--show-toplevel');
    // symbolic-ref names the branch of a repository without commits too; a detached HEAD has none.
    const branch = await git('symbolic-ref', '--quiet', '--short', 'HEAD').catch(() => 'HEAD');
    const remotes = (await git('remote')).split('\n').filter((r) => r !== '');
    const remote = remotes.includes('origin') ? 'origin' : remotes[0];
    if (!remote) return null;
    const url = await git('remote', 'get-url', remote);
    return { url, branch: branch === 'HEAD' ? 'main' : branch, directory: relative(top, directory).split('\\').join('/') };
  } catch {
    return null;
  }
}

export function importCommands(program: Command, session: Session): void {
  const imports = program.command('import').description('turn another tool\'s description into a Slipway environment');
  imports
    .command('compose')
    .description('map a Docker Compose file to an environment file and apply it; prints every field it could not map, with its line')
    .argument('<file>', 'the compose file')
    .requiredOption('--env <env>', 'PROJECT/ENV to create or update')
    .option('--dry-run', 'print the plan, change nothing')
    .option('-o, --output <file>', 'also write the environment file there')
    .option('--json', 'print the API\'s answer')
    .action(async (file: string, opts: ApplyFlags & { env: string; output?: string }) => {
      const address = expectAddress(opts.env, ['environment'], '--env');
      if (address.kind !== 'environment') throw usageError('--env takes PROJECT/ENV (names: the project and environment are created if missing)');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.USAGE);
      }
      const directory = dirname(resolve(file));
      const result = composeToEnvironment({
        text,
        fileName: file,
        project: address.project,
        environment: address.environment,
        git: await gitCheckout(directory),
        readEnvFile: (path) => {
          try {
            return readFileSync(resolve(directory, path), 'utf8');
          } catch {
            return null;
          }
        },
      });
      // Notes go to stderr: stdout stays the plan (or the JSON answer).
      for (const n of result.notes) session.out.error(`${paint(session.out, 'yellow', 'not mapped')} ${file}${n.line !== null ? `:${n.line}` : ''}: ${n.field}: ${n.message}`);
      // The file as written (-o), so the server's field errors point at its lines; \${VAR} taken
      // from this shell as apply does.
      const generated = stringify(result.document, { lineWidth: 0 });
      const name = opts.output ?? `${file} (imported)`;
      if (opts.output) {
        await writeFile(opts.output, generated);
        session.out.error(`wrote ${opts.output}`);
      }
      const envFile = readEnvironmentFile(generated, name, process.env);
      const api = await session.client();
      await applyDocument(api, session.out, envFile.value, name, (f) => envFile.lineOf(f), opts);
    });
}
